// The rule lives with the client, which applies it to every artist data type it stores; the
// providers, the dashboard and the command line use the same one.
export { normalizeArtistIdentifier } from '../client/artist-identifier.js';
