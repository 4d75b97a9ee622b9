/** The built-in sandbox as the engine sees it: started on first use. */
export interface SandboxProvider {
  /** The context name it is listed under. */
  readonly contextName: string;
  /** Its server URL once started, else null. */
  url(): string | null;
  /** Starts it if needed and returns a kubeconfig whose current context is `contextName`. */
  kubeconfig(): Promise<string>;
  /** Stops it; a later call starts a fresh one. */
  close(): Promise<void>;
}
