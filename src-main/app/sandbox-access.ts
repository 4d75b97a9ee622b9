/** What `switchyard sandbox` and `switchyard run --context sandbox` use of the embedded sandbox cluster. */
export { prometheusScrapeConfig } from '../sandbox/metrics.ts';
export {
  startSandbox,
  type SandboxFault,
  type SandboxHandle,
  type SandboxWrite,
} from '../sandbox/sandbox.ts';
