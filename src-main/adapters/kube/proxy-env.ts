import { BlockList, isIP } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * The proxy URL kubectl would use for `server` from the environment: HTTPS_PROXY (or https_proxy) for an https
 * server, HTTP_PROXY (or http_proxy) for an http one, none for localhost, loopback addresses or a host NO_PROXY
 * (or no_proxy) lists. A value without a scheme is taken as `http://`. Returns undefined for no proxy.
 */
export function proxyFromEnv(server: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return undefined;
  }
  const https = url.protocol === 'https:';
  const raw = https ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!raw?.trim()) return undefined;
  const host = hostOf(url);
  if (host === 'localhost' || isLoopback(host)) return undefined;
  const port = url.port || (https ? '443' : '80');
  if (noProxyMatches(host, port, env.NO_PROXY ?? env.no_proxy ?? '')) return undefined;
  const proxy = raw.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

/**
 * True when `host` (lower-case name or IP, no brackets) with `port` is excluded by the NO_PROXY list `noProxy`,
 * with Go's (and so kubectl's) rules: `*` matches all; `example.com` matches it and its subdomains; `.example.com`
 * and `*.example.com` only subdomains; an IP matches itself; `10.0.0.0/8` a range; `host:port` only that port.
 */
export function noProxyMatches(host: string, port: string, noProxy: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const family = isIP(h);
  for (const rawEntry of noProxy.split(',')) {
    const entry = rawEntry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (family && inCidr(h, family, entry)) return true;
      continue;
    }
    const { name, port: entryPort } = splitHostPort(entry);
    if (entryPort && entryPort !== port) continue;
    if (isIP(name)) {
      if (family && name === h) return true;
      continue;
    }
    const domain = name.startsWith('*.') ? name.slice(1) : name;
    if (domain.startsWith('.')) {
      if (h.endsWith(domain)) return true;
    } else if (h === domain || h.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/**
 * Sets each cluster of `kc` that has no `proxy-url` to the proxy `proxyFromEnv` picks for its server, so the API
 * clients and `Watch` (both build their agent from the cluster) go through it. A kubeconfig `proxy-url` wins.
 */
export function applyProxyEnv(kc: KubeConfig, env: NodeJS.ProcessEnv = process.env): void {
  kc.clusters = kc.clusters.map((cluster) => {
    if (cluster.proxyUrl) return cluster;
    const proxyUrl = proxyFromEnv(cluster.server, env);
    return proxyUrl ? { ...cluster, proxyUrl } : cluster;
  });
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 4) return host.startsWith('127.');
  if (family === 6) return host === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(host);
  return false;
}

function splitHostPort(entry: string): { name: string; port?: string } {
  const bracketed = entry.match(/^\[([^\]]+)\](?::(\d+))?$/);
  if (bracketed) return { name: bracketed[1]!, ...(bracketed[2] ? { port: bracketed[2] } : {}) };
  if (isIP(entry) === 6) return { name: entry };
  const hostPort = entry.match(/^(.*):(\d+)$/);
  return hostPort ? { name: hostPort[1]!, port: hostPort[2]! } : { name: entry };
}

function inCidr(host: string, family: number, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const prefix = Number(bits);
  const netFamily = isIP(net ?? '');
  if (!net || netFamily !== family || !Number.isInteger(prefix)) return false;
  try {
    const list = new BlockList();
    const type = family === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(net, prefix, type);
    return list.check(host, type);
  } catch {
    return false;
  }
}
