/**
 * Takes secrets out of URLs before they reach logs, events, statistics or the dashboard.
 *
 * - Query parameters whose name says they carry a secret: api_key, apikey, key, token,
 *   access_token, secret, client_secret, signature, sig, auth, password (any case, - or _).
 * - TheAudioDB's key, which sits in the path: `/api/v1/json/<key>/…`, however short (its free
 *   key is "2" or "123").
 * - Any other path segment that looks like a key: 20 or more letters and digits, both present.
 *   MusicBrainz IDs have dashes and are kept.
 * - A user name and password (`http://dj:secret@mirror.lan/`): both become one `<redacted>`.
 *
 * @example redactUrl('https://www.theaudiodb.com/api/v1/json/523532/search.php?s=air')
 * // 'https://www.theaudiodb.com/api/v1/json/<redacted>/search.php?s=air'
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactText(url);
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, REDACTED);
  }
  const segments = parsed.pathname.split('/');
  for (let index = 0; index < segments.length; index++) {
    const previous = segments[index - 1];
    const segment = segments[index]!;
    if ((previous === 'json' && segments[index - 2] === 'v1' && segment !== '') || KEY_LIKE.test(segment)) segments[index] = REDACTED;
  }
  parsed.pathname = segments.join('/');
  const hadCredentials = parsed.username !== '' || parsed.password !== '';
  parsed.username = '';
  parsed.password = '';
  // URL keeps "<" and ">" percent-encoded; show the marker plainly.
  const shown = parsed.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
  return hadCredentials ? shown.replace('//', `//${REDACTED}@`) : shown;
}

/** The same for free text that may contain URLs (an error message, say). */
export function redactText(text: string): string {
  return text.replace(/https?:\/\/[^\s"'<>]+/g, (url) => redactUrl(url)).replace(SECRET_ASSIGNMENT, (_match, name: string) => `${name}=${REDACTED}`);
}

/**
 * Whether a query parameter's name says it carries a secret (api_key, token, sig …): such a
 * parameter is redacted wherever a URL is shown, and a proxy client's is kept out of the cache.
 */
export function isSecretParameterName(name: string): boolean {
  return SECRET_PARAMETER.test(name);
}

const REDACTED = '<redacted>';
const SECRET_NAMES = 'api[_-]?key|apikey|key|token|access[_-]?token|secret|client[_-]?secret|signature|sig|auth|password';
const SECRET_PARAMETER = new RegExp(`^(?:${SECRET_NAMES})$`, 'i');
const SECRET_ASSIGNMENT = new RegExp(`\\b(${SECRET_NAMES})=[^&\\s"']+`, 'gi');
const KEY_LIKE = /^(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{20,}$/;
