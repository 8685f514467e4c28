/**
 * The shared tier's entries: payloads in the row (`bytea`: images too, since every machine must
 * get them from here), with running totals kept by triggers so the shared budget is checked
 * without summing rows. Times are milliseconds since the epoch in the server's clock.
 */
export const ENTRIES_DDL = `
  CREATE TABLE entries (
    id            bigserial PRIMARY KEY,
    url           text    NOT NULL UNIQUE,
    cachekey      text    NOT NULL UNIQUE,
    identifier    text    NOT NULL,
    data_type     text    NOT NULL,
    provider      text    NOT NULL,
    status_code   integer NOT NULL,
    value_type    text    NOT NULL,
    data          bytea   NOT NULL,
    size          integer NOT NULL,
    checksum      text    NOT NULL,
    mime_type     text,
    metadata      text,
    etag          text,
    last_modified text,
    created_at    bigint  NOT NULL,
    stored_at     bigint  NOT NULL,
    expires_at    bigint  NOT NULL,
    last_accessed bigint  NOT NULL,
    stored_by     text    NOT NULL
  );
  CREATE INDEX entries_by_identifier ON entries (identifier, data_type, status_code, provider, expires_at);
  CREATE INDEX entries_by_expiry ON entries (expires_at);
  CREATE INDEX entries_by_last_access ON entries (last_accessed);

  CREATE TABLE entry_totals (
    id      integer PRIMARY KEY CHECK (id = 1),
    entries bigint NOT NULL,
    bytes   bigint NOT NULL
  );
  INSERT INTO entry_totals VALUES (1, 0, 0);
  CREATE FUNCTION entry_totals_keep() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      UPDATE entry_totals SET entries = entries + 1, bytes = bytes + NEW.size WHERE id = 1;
    ELSIF TG_OP = 'DELETE' THEN
      UPDATE entry_totals SET entries = entries - 1, bytes = bytes - OLD.size WHERE id = 1;
    ELSIF NEW.size <> OLD.size THEN
      UPDATE entry_totals SET bytes = bytes + NEW.size - OLD.size WHERE id = 1;
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER entries_totals AFTER INSERT OR DELETE OR UPDATE OF size ON entries
    FOR EACH ROW EXECUTE FUNCTION entry_totals_keep();

  -- Purges and deletions every machine applies to its own tier: read past the last one it saw.
  CREATE TABLE invalidations (
    seq       bigserial PRIMARY KEY,
    filter    jsonb  NOT NULL,
    at        bigint NOT NULL,
    origin    text   NOT NULL
  );
`;
