import type { StoredValueType } from '../value-codec.js';

/**
 * Whether a payload is worth compressing: a string or JSON value, or bytes whose type is text,
 * JSON or XML (an HTTP answer as the client stores it). Images and other binaries are already
 * compressed and are left alone. The SQL twin is `TEXT_LIKE` in the SQLite backend.
 */
export function isTextLike(storedType: StoredValueType, mimeType: string | null | undefined): boolean {
  if (storedType !== 'bytes') return true;
  if (mimeType == null) return false;
  const type = mimeType.toLowerCase();
  return type.includes('json') || type.startsWith('text/') || type.includes('xml') || type.includes('javascript');
}
