/** A saved plan as listed. */
export interface SavedPlanEntry {
  readonly name: string;
  /** Milliseconds since the Unix epoch. */
  readonly savedAtMs: number;
}

/** Where the console keeps plan files by name. */
export interface PlanStore {
  /** Every saved plan, newest first; empty when none was saved yet. */
  list(): Promise<SavedPlanEntry[]>;
  /** Saves `text` under `name`, replacing it whole (a crash never leaves half a plan). */
  save(name: string, text: string): Promise<void>;
  /** The text saved under `name`. Rejects with a `DomainError` `notFound` when there is none. */
  open(name: string): Promise<string>;
}
