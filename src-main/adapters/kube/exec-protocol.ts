import type { Cluster } from '@kubernetes/client-node';
import { z } from 'zod';

/** The `exec` section of a kubeconfig user, as kubectl reads it. */
export const ExecConfigSchema = z.object({
  apiVersion: z.string().optional(),
  command: z.string().min(1),
  args: z.array(z.string()).nullish(),
  env: z.array(z.object({ name: z.string().min(1), value: z.string() })).nullish(),
  interactiveMode: z.string().optional(),
  installHint: z.string().optional(),
  provideClusterInfo: z.boolean().optional(),
});
export type ExecConfig = z.infer<typeof ExecConfigSchema>;

export const ExecCredentialSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.literal('ExecCredential', { error: 'kind must be "ExecCredential"' }).optional(),
  status: z
    .object(
      {
        token: z.string().optional(),
        clientCertificateData: z.string().optional(),
        clientKeyData: z.string().optional(),
        expirationTimestamp: z
          .string()
          .refine((s) => !Number.isNaN(Date.parse(s)), 'status.expirationTimestamp is not a date')
          .optional(),
      },
      { error: 'status is missing' },
    )
    .refine((s) => Boolean(s.token) || (Boolean(s.clientCertificateData) && Boolean(s.clientKeyData)), {
      message: 'status has neither a token nor both clientCertificateData and clientKeyData',
    }),
});

/** The KUBERNETES_EXEC_INFO kubectl gives a plugin: never interactive here (no terminal). */
export function execInfo(exec: ExecConfig, cluster: Cluster | null | undefined): unknown {
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo && cluster) {
    spec.cluster = {
      server: cluster.server,
      ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
      ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
      ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl } : {}),
    };
  }
  return {
    apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1',
    kind: 'ExecCredential',
    spec,
  };
}
