import type { ProgressReportInput } from '../../../../contracts/learning.ts';
import type { ActivityTracker } from './activity-tracker.ts';

/** How often a playing video reports its position. */
export const REPORT_INTERVAL_MS = 10_000;
/** How often time spent on a lesson without a playing video (reading) is reported. */
export const IDLE_REPORT_INTERVAL_MS = 30_000;

export type ReportReason = 'tick' | 'pause' | 'seeked' | 'leave' | 'complete' | 'ended' | 'open';

export interface ReporterOptions {
  tracker: ActivityTracker;
  /** Sends one report. `keepalive` when the page is going away (must not wait for an answer). */
  send: (report: Required<ProgressReportInput>, options: { keepalive: boolean }) => Promise<void>;
  now?: () => number;
  onError?: (error: unknown) => void;
}

/**
 * Decides when the player reports progress and what each report says. Reports carry a strictly
 * increasing client time (contracts/learning.ts: a report not newer than the last one applied
 * changes nothing), so they are sent one after the other: a queued report never overtakes an
 * earlier one. The active time of a report that failed is given back to the tracker and travels
 * with the next one.
 *
 * Pure logic with an injected clock; the player calls `tick()` every second.
 */
export class ProgressReporter {
  private position = 0;
  private watched = 0;
  private playing = false;
  private completed = false;
  private lastClientTime = 0;
  private lastSentAt: number;
  private dirty = false;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: ReporterOptions) {
    this.now = options.now ?? Date.now;
    this.lastSentAt = this.now();
  }

  /** Starts from what the server knows, so a report never claims less than it has. */
  resume(positionSeconds: number, watchedSeconds: number, completed: boolean): void {
    this.position = Math.max(0, Math.floor(positionSeconds));
    this.watched = Math.max(this.watched, Math.floor(watchedSeconds));
    this.completed ||= completed;
  }

  /** The video's current time; while it plays, the furthest point reached grows with it. */
  setPosition(seconds: number, playing: boolean): void {
    const whole = Math.max(0, Math.floor(seconds));
    if (whole !== this.position) this.dirty = true;
    this.position = whole;
    if (playing && whole > this.watched) this.watched = whole;
  }

  setPlaying(playing: boolean): void {
    this.playing = playing;
    this.options.tracker.setPlaying(playing);
  }

  get positionSeconds(): number {
    return this.position;
  }

  get watchedSeconds(): number {
    return this.watched;
  }

  /** Stops all reporting (access ended, lesson left). */
  stop(): void {
    this.stopped = true;
  }

  /** Called every second: reports every 10 s while playing, every 30 s of reading otherwise. */
  tick(): void {
    if (this.stopped) return;
    const elapsed = this.now() - this.lastSentAt;
    if (this.playing) {
      if (elapsed >= REPORT_INTERVAL_MS) void this.flush('tick');
    } else if (elapsed >= IDLE_REPORT_INTERVAL_MS && this.options.tracker.peekSeconds() > 0) {
      void this.flush('tick');
    }
  }

  /** The next client time: the clock, but always after the previous report's. */
  private nextClientTime(): string {
    this.lastClientTime = Math.max(this.now(), this.lastClientTime + 1);
    return new Date(this.lastClientTime).toISOString();
  }

  /** Whether a report now would tell the server anything. */
  hasNews(): boolean {
    return this.dirty || this.options.tracker.peekSeconds() > 0;
  }

  /**
   * Sends a report now (queued behind any report in flight; `leave` goes at once with keepalive).
   * `complete` marks a non-video lesson done. Resolves when this report is answered.
   */
  flush(reason: ReportReason): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (reason === 'complete') this.completed = true;
    if (reason === 'leave' && !this.hasNews()) return Promise.resolve();
    const activeSeconds = this.options.tracker.takeSeconds();
    const report: Required<ProgressReportInput> = {
      clientTime: this.nextClientTime(),
      positionSeconds: this.position,
      watchedSeconds: this.watched,
      activeSeconds,
      completed: this.completed,
    };
    this.lastSentAt = this.now();
    this.dirty = false;
    const keepalive = reason === 'leave';
    const attempt = () =>
      this.options.send(report, { keepalive }).catch((error: unknown) => {
        this.options.tracker.giveBack(activeSeconds);
        this.dirty = true;
        this.options.onError?.(error);
      });
    if (keepalive) return attempt();
    this.queue = this.queue.then(attempt);
    return this.queue;
  }
}
