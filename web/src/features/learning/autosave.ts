/** What the notes editor shows: nothing yet, a change waiting, being saved, saved, or failed. */
export type SaveStatus = 'idle' | 'pending' | 'saving' | 'saved' | 'error';

export const AUTOSAVE_DELAY_MS = 800;

export interface AutosaverOptions {
  save: (text: string) => Promise<void>;
  onStatus: (status: SaveStatus, error?: unknown) => void;
  delayMs?: number;
  /** Injected for tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/**
 * Debounced autosave: a change waits `delayMs` for the next keystroke, then the whole text is
 * saved. One save at a time: a change made during a save is saved after it (the last text always
 * wins). A failed save reports 'error' and is retried by the next change or `retry()`.
 */
export class Autosaver {
  private saved: string;
  private latest: string;
  private timer: unknown = null;
  private saving = false;
  private readonly delay: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(
    initial: string,
    private readonly options: AutosaverOptions,
  ) {
    this.saved = initial;
    this.latest = initial;
    this.delay = options.delayMs ?? AUTOSAVE_DELAY_MS;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer =
      options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  }

  /** Whether some text has not reached the server yet. */
  get hasUnsaved(): boolean {
    return this.latest !== this.saved;
  }

  change(text: string): void {
    this.latest = text;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    if (!this.hasUnsaved && !this.saving) {
      this.options.onStatus('saved');
      return;
    }
    this.options.onStatus('pending');
    this.timer = this.setTimer(() => {
      this.timer = null;
      void this.run();
    }, this.delay);
  }

  /**
   * Takes a newer text from the server (the notes were edited on another device) when nothing here
   * is waiting to be saved or being saved; returns whether it did. Local edits are never dropped:
   * while there are some, they win when they are saved.
   */
  adopt(serverText: string): boolean {
    if (this.saving || this.hasUnsaved || this.timer !== null) return false;
    this.saved = serverText;
    this.latest = serverText;
    return true;
  }

  /** Saves now whatever is unsaved (leaving the lesson, or "Try again"). */
  flush(): Promise<void> {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    return this.run();
  }

  private async run(): Promise<void> {
    if (this.saving || !this.hasUnsaved) return;
    this.saving = true;
    const text = this.latest;
    this.options.onStatus('saving');
    try {
      await this.options.save(text);
      this.saved = text;
      this.saving = false;
      if (this.hasUnsaved) {
        if (this.timer === null) await this.run();
        else this.options.onStatus('pending');
      } else this.options.onStatus('saved');
    } catch (error) {
      this.saving = false;
      this.options.onStatus('error', error);
    }
  }

  dispose(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }
}
