/** Sizes, ratios, times and durations as a person reads them at a glance: shared by the CLI and the dashboard. */

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]!}`;
}

/** 0.4567 → "45.7 %"; NaN (nothing counted) → "-". */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : '-';
}

/** A moment as local ISO-like text, or "-". */
export function formatTime(milliseconds: number | null | undefined): string {
  if (milliseconds === null || milliseconds === undefined) return '-';
  return new Date(milliseconds).toISOString().replace('T', ' ').slice(0, 19);
}

/** Seconds as "1 h 02 min", "3 min 05 s" or "12 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.max(0, Math.round(seconds));
  if (whole >= 3600) return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
  if (whole >= 60) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${whole} s`;
}

/** Requests per second as people say it: 0.4166… → "25/min", 2 → "2/s", Infinity → "unlimited". */
export function formatRate(perSecond: number): string {
  if (perSecond === Infinity) return 'unlimited';
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '-';
  const round = (value: number): string => (Math.abs(value - Math.round(value)) < 0.05 ? String(Math.round(value)) : value.toFixed(1));
  if (perSecond >= 1) return `${round(perSecond)}/s`;
  if (perSecond * 60 >= 1) return `${round(perSecond * 60)}/min`;
  return `${round(perSecond * 3600)}/h`;
}

/** A latency in microseconds at a readable scale: 812 → "812 µs", 92682 → "92.7 ms", 2.5e6 → "2.50 s". */
export function formatMicroseconds(microseconds: number): string {
  if (!Number.isFinite(microseconds)) return '-';
  if (microseconds < 1000) return `${Math.round(microseconds)} µs`;
  if (microseconds < 1_000_000) return `${(microseconds / 1000).toFixed(1)} ms`;
  return `${(microseconds / 1_000_000).toFixed(2)} s`;
}

/** How long ago (or ahead) in the largest whole unit: "45 s", "12 min", "5 h", "3 days". */
export function formatAge(milliseconds: number): string {
  const seconds = Math.abs(milliseconds) / 1000;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h`;
  const days = Math.round(seconds / 86_400);
  return days === 1 ? '1 day' : `${days} days`;
}

/** 1 → "1 try", 3 → "3 tries". */
export function formatTries(count: number): string {
  return count === 1 ? '1 try' : `${count} tries`;
}
