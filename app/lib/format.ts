// Small display formatters shared by the panels: times, decibels, percentages.
import { STAGE_LABELS, type JobStage } from '../../src/api/types';

/** 0:07.3 style elapsed time. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  return `${m}:${rest.toFixed(1).padStart(4, '0')}`;
}

/** "6.1 s" */
export function formatSeconds(seconds: number): string {
  return `${seconds.toFixed(1)} s`;
}

/** "-3.2 dB", "—" for non-finite. */
export function formatDb(db: number, unit = 'dB'): string {
  return Number.isFinite(db) ? `${db.toFixed(1)} ${unit}` : '—';
}

/** "42%" */
export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${Math.round(fraction * 100)}%` : '—';
}

/**
 * A job's stage as the UI shows it: the label from the one stage vocabulary (STAGE_LABELS,
 * src/api/types.ts); any other id (a timing key such as "contentEncoder") spelled out as words.
 */
export function stageLabel(stage: string): string {
  if (Object.prototype.hasOwnProperty.call(STAGE_LABELS, stage)) return STAGE_LABELS[stage as JobStage];
  const words = stage.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').trim().toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : 'Working';
}

/** Maps an RMS amplitude to 0..1 over -60..0 dBFS for the level meter. */
export function rmsToMeter(rms: number): number {
  if (!(rms > 0)) return 0;
  const db = 20 * Math.log10(rms);
  return Math.max(0, Math.min(1, (db + 60) / 60));
}
