import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../../errors.js';
import { requireImageType } from '../image-answer.js';
import { html, SafeHtml } from '../html.js';

/**
 * The overlay's only script, the same for every overlay: its settings come from data
 * attributes, so nothing from the address or the cache is ever inside a script, and the
 * Content-Security-Policy allows exactly this text by its hash.
 *
 * It shows a random cached image, full frame, and every `every` seconds cross-fades to
 * another. A failed load (the dashboard restarting, nothing cached yet) keeps what is shown
 * and tries again at the next turn, so an overlay in OBS survives a restart of the server.
 * On /overlay/now it asks /api/now-playing every 2 s and switches at once when the artist
 * changes.
 */
const OVERLAY_SCRIPT = `
(function () {
  var stage = document.getElementById('stage');
  var settings = stage.dataset;
  var layers = [document.getElementById('layer-a'), document.getElementById('layer-b')];
  var caption = document.getElementById('caption');
  var front = 0;
  var turn = 0;
  var artist = settings.artist || '';
  var shown = '';
  var lastSwitch = 0;
  var every = Number(settings.every) * 1000;
  function clear() {
    layers[0].className = '';
    layers[1].className = '';
    caption.textContent = '';
    shown = '';
  }
  function show(name) {
    var probe = new Image();
    turn += 1;
    probe.onload = function () {
      var back = layers[1 - front];
      back.src = probe.src;
      back.className = 'shown';
      layers[front].className = '';
      front = 1 - front;
      shown = name;
      stage.setAttribute('data-shown', name);
      if (settings.caption === '1') caption.textContent = name;
    };
    probe.onerror = function () {
      if (name !== shown && settings.source === 'now') clear();
    };
    probe.src = '/image/random?artist=' + encodeURIComponent(name) + '&type=' + encodeURIComponent(settings.type) + '&turn=' + turn;
    lastSwitch = Date.now();
  }
  function poll() {
    if (settings.source !== 'now') return Promise.resolve(artist);
    return fetch('/api/now-playing', { cache: 'no-store' })
      .then(function (answer) { return answer.ok ? answer.json() : { keep: true }; })
      .then(function (answer) {
        if (answer && answer.keep) return artist;
        var playing = answer && answer.nowPlaying;
        artist = playing && typeof playing.artist === 'string' ? playing.artist : '';
        return artist;
      }, function () { return artist; });
  }
  function tick() {
    poll().then(function (name) {
      if (name === '') { if (shown !== '') clear(); return; }
      if (name !== shown || Date.now() - lastSwitch >= every) show(name);
    });
  }
  tick();
  setInterval(tick, settings.source === 'now' ? 2000 : every);
})();
`;

/** The value for the overlay's `script-src`: its one script, by hash. */
export const OVERLAY_SCRIPT_SOURCE = `'sha256-${createHash('sha256').update(OVERLAY_SCRIPT).digest('base64')}'`;

export interface OverlaySettings {
  /** 'artist': one artist's images; 'now': whoever /api/now-playing names. */
  source: 'artist' | 'now';
  artist: string;
  type: string;
  everySeconds: number;
  caption: boolean;
  /** Pixels; null fills the browser source. */
  width: number | null;
  height: number | null;
  fit: 'cover' | 'contain';
  fadeSeconds: number;
}

/**
 * Reads an overlay's settings from its address, refusing what it cannot honour:
 * `/overlay?artist=Daft%20Punk&type=fanart&every=15&name=1&width=1920&height=1080&fit=cover&fade=1.5`.
 */
export function overlaySettings(source: 'artist' | 'now', query: URLSearchParams): OverlaySettings {
  const artist = (query.get('artist') ?? '').trim();
  if (source === 'artist' && artist === '') throw new InvalidArgumentError('Give the artist: /overlay?artist=Daft%20Punk&type=fanart (or use /overlay/now for whoever is on air).');
  if (artist.length > 1024) throw new InvalidArgumentError('The artist name is longer than 1024 characters.');
  const number = (name: string, fallback: number | null, min: number, max: number): number | null => {
    const text = query.get(name);
    if (text === null || text === '') return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max) throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}, got "${text.slice(0, 40)}".`);
    return value;
  };
  const fit = query.get('fit') ?? 'cover';
  if (fit !== 'cover' && fit !== 'contain') throw new InvalidArgumentError('fit must be cover (fill the frame, cropping) or contain (the whole image, with transparent bars).');
  const caption = query.get('name') ?? '0';
  if (caption !== '0' && caption !== '1') throw new InvalidArgumentError('name must be 1 (show the artist name) or 0.');
  return {
    source,
    artist,
    type: requireImageType(query.get('type') ?? 'fanart'),
    everySeconds: number('every', 15, 2, 3600)!,
    caption: caption === '1',
    width: number('width', null, 16, 8192),
    height: number('height', null, 16, 8192),
    fit,
    fadeSeconds: number('fade', 1.5, 0, 30)!,
  };
}

/** An overlay page for an OBS browser source: transparent, full frame, one fixed script. */
export function overlayPage(settings: OverlaySettings): string {
  const size = `width: ${settings.width === null ? '100vw' : `${settings.width}px`}; height: ${settings.height === null ? '100vh' : `${settings.height}px`};`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>datacache overlay</title>
<style>
  html, body { margin: 0; padding: 0; background: transparent; overflow: hidden; }
  #stage { position: relative; overflow: hidden; }
  #stage img { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: ${settings.fit}; opacity: 0; transition: opacity ${settings.fadeSeconds}s ease-in-out; }
  #stage img.shown { opacity: 1; }
  #caption { position: absolute; left: 4%; bottom: 5%; font: 600 clamp(18px, 4vmin, 64px)/1.2 system-ui, sans-serif; color: #fff; text-shadow: 0 2px 8px #000c; }
</style>
</head>
<body>
<div id="stage" style="${size}" data-source="${settings.source}" data-artist="${settings.artist}" data-type="${settings.type}" data-every="${settings.everySeconds}" data-caption="${settings.caption ? '1' : '0'}">
<img id="layer-a" alt=""><img id="layer-b" alt="">
<div id="caption"></div>
</div>
<script>${new SafeHtml(OVERLAY_SCRIPT)}</script>
</body>
</html>
`.text;
}

