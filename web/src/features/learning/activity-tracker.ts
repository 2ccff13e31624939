/**
 * Counts the time a learner actually spends on a lesson: only while the tab is visible, and only
 * while they are active — a video playing counts, otherwise some input (key, pointer, scroll,
 * touch) within the last IDLE_AFTER_MS. Time is handed out in whole seconds (`takeSeconds`), the
 * remainder carried over, so nothing is lost or counted twice between reports.
 *
 * Pure logic with an injected clock: the player wires it to DOM events (useActivityTracker).
 */
export const IDLE_AFTER_MS = 5 * 60_000;

export class ActivityTracker {
  private visible: boolean;
  private playing = false;
  private lastInputAt: number;
  /** Time up to which the counting is done. */
  private countedUntil: number;
  private carryMs = 0;

  constructor(
    private readonly now: () => number = Date.now,
    visible = true,
    private readonly idleAfterMs = IDLE_AFTER_MS,
  ) {
    this.visible = visible;
    this.lastInputAt = now();
    this.countedUntil = this.lastInputAt;
  }

  /** Adds the active time between the last count and now under the state that held meanwhile. */
  private advance(): number {
    const t = this.now();
    if (t > this.countedUntil && this.visible) {
      const activeUntil = this.playing ? t : Math.min(t, this.lastInputAt + this.idleAfterMs);
      if (activeUntil > this.countedUntil) this.carryMs += activeUntil - this.countedUntil;
    }
    this.countedUntil = Math.max(this.countedUntil, t);
    return t;
  }

  /** The learner did something (key, pointer, scroll): they are active from now. */
  noteInput(): void {
    this.lastInputAt = this.advance();
  }

  setVisible(visible: boolean): void {
    const t = this.advance();
    if (visible && !this.visible) this.lastInputAt = t; // coming back to the tab is activity
    this.visible = visible;
  }

  /** A playing video keeps the learner active; the idle clock starts again when it stops. */
  setPlaying(playing: boolean): void {
    const t = this.advance();
    if (this.playing && !playing) this.lastInputAt = t;
    this.playing = playing;
  }

  isIdle(): boolean {
    const t = this.advance();
    return !this.playing && t - this.lastInputAt >= this.idleAfterMs;
  }

  /** Whole active seconds counted so far and not yet taken (without taking them). */
  peekSeconds(): number {
    this.advance();
    return Math.floor(this.carryMs / 1000);
  }

  /** Takes the whole active seconds counted so far; the fraction stays for next time. */
  takeSeconds(): number {
    this.advance();
    const seconds = Math.floor(this.carryMs / 1000);
    this.carryMs -= seconds * 1000;
    return seconds;
  }

  /** Puts back seconds a failed report took, so the next report carries them. */
  giveBack(seconds: number): void {
    this.carryMs += Math.max(0, seconds) * 1000;
  }
}
