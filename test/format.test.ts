import { describe, expect, it } from 'vitest';
import { formatAge, formatMicroseconds, formatRate, formatTries } from '../src/format.js';

describe('numbers for people', () => {
  it('says rates the way people do: per second, per minute or per hour', () => {
    expect(formatRate(25 / 60)).toBe('25/min');
    expect(formatRate(0.5)).toBe('30/min');
    expect(formatRate(1)).toBe('1/s');
    expect(formatRate(2.5)).toBe('2.5/s');
    expect(formatRate(10)).toBe('10/s');
    expect(formatRate(1 / 3600)).toBe('1/h');
    expect(formatRate(Infinity)).toBe('unlimited');
    expect(formatRate(0)).toBe('-');
    expect(formatRate(Number.NaN)).toBe('-');
  });

  it('gives latencies a unit that fits', () => {
    expect(formatMicroseconds(812.4)).toBe('812 µs');
    expect(formatMicroseconds(92_682)).toBe('92.7 ms');
    expect(formatMicroseconds(2_500_000)).toBe('2.50 s');
    expect(formatMicroseconds(Number.POSITIVE_INFINITY)).toBe('-');
  });

  it('says ages in their largest whole unit, and tries in the singular when there is one', () => {
    expect(formatAge(45_000)).toBe('45 s');
    expect(formatAge(-12 * 60_000)).toBe('12 min');
    expect(formatAge(5 * 3_600_000)).toBe('5 h');
    expect(formatAge(86_400_000)).toBe('1 day');
    expect(formatAge(3 * 86_400_000)).toBe('3 days');
    expect(formatTries(1)).toBe('1 try');
    expect(formatTries(3)).toBe('3 tries');
  });
});
