/**
 * Version 2: what the dashboard draws over time. Grants are the requests each provider's send
 * gate let through, per second of the server's clock (the last ten minutes are kept); the
 * queue's depth is sampled once a minute by whichever machine gets there first, and the row
 * with provider '' is the whole queue, so an empty queue still leaves a sample.
 */
export const DASHBOARD_HISTORY_DDL = `
  CREATE TABLE rate_grants (
    provider text   NOT NULL,
    second   bigint NOT NULL,
    grants   bigint NOT NULL,
    PRIMARY KEY (provider, second)
  );

  CREATE TABLE analytics_queue_depth (
    minute   bigint NOT NULL,
    provider text   NOT NULL,
    pending  bigint NOT NULL,
    running  bigint NOT NULL,
    failed   bigint NOT NULL,
    PRIMARY KEY (minute, provider)
  );
`;
