import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The User-Agent sent when the application sets none. MusicBrainz asks every client to name
 * itself and a contact ("MyApp/1.0 ( me@example.org )"); an application should set its own,
 * which this default cannot do for it.
 */
export const DEFAULT_USER_AGENT = `datacache/${version} ( https://www.npmjs.com/package/datacache )`;
