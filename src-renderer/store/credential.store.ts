import { create } from 'zustand';
import { api } from '../bridge/api.ts';

/** The last line a context's credential plugin wrote (a device code, "opening a browser…"). */
export interface CredentialMessage {
  context: string;
  line: string;
  receivedAtMs: number;
}

export interface CredentialState {
  /** Latest line per context, newest context first. */
  messages: CredentialMessage[];
  dismiss(context: string): void;
}

/** Mirrors the sign-in lines main forwards from credential plugins; decides nothing. */
export const useCredentialMessages = create<CredentialState>((set) => ({
  messages: [],
  dismiss: (context) => set((s) => ({ messages: s.messages.filter((m) => m.context !== context) })),
}));

api.on('cluster:credentialMessage', ({ context, line }) => {
  useCredentialMessages.setState((s) => ({
    messages: [
      { context, line, receivedAtMs: Date.now() },
      ...s.messages.filter((m) => m.context !== context),
    ].slice(0, 5),
  }));
});
