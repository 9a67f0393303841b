import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';

/**
 * Where the App may connect. A repository's config and its Dockerfiles name hosts (`FROM
 * localhost:6379/x`, `debian: {mirror: "http://169.254.169.254/…"}`), so the App refuses
 * addresses inside the operator's network: loopback, private, link-local, CGNAT, unspecified,
 * multicast and reserved ranges, cloud metadata included. The check runs on the address a socket
 * is about to connect to, after DNS, so neither a name that resolves there (DNS rebinding) nor a
 * redirect can dodge it (https://owasp.org/www-community/attacks/Server_Side_Request_Forgery).
 * The operator allows hosts and CIDRs with REPRO_PINS_ALLOW_HOSTS. The CLI runs with its user's
 * own trust and uses no guard.
 */

export const ALLOW_HOSTS_ENV = 'REPRO_PINS_ALLOW_HOSTS';

/** The name an error thrown by the guard carries, so the fetcher does not retry a refusal. */
export const DESTINATION_REFUSED = 'DestinationRefused';

export interface AllowList {
  /** Lower-case host names allowed whatever they resolve to; `*.example.com` allows subdomains. */
  hosts: string[];
  addresses: BlockList;
}

// IANA's special-purpose registries (https://www.iana.org/assignments/iana-ipv4-special-registry,
// …/iana-ipv6-special-registry): the ranges no public registry or mirror lives in.
const FORBIDDEN: ReadonlyArray<readonly [cidr: string, what: string]> = [
  ['0.0.0.0/8', 'an unspecified ("this network") address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['10.0.0.0/8', 'a private address'],
  ['172.16.0.0/12', 'a private address'],
  ['192.168.0.0/16', 'a private address'],
  ['100.64.0.0/10', 'a carrier-grade NAT address'],
  ['169.254.0.0/16', 'a link-local address (cloud metadata lives here)'],
  ['192.0.0.0/24', 'a reserved address'],
  ['198.18.0.0/15', 'a reserved address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['240.0.0.0/4', 'a reserved address'],
  ['::/128', 'an unspecified address'],
  ['::1/128', 'a loopback address'],
  ['fc00::/7', 'a private (unique local) address'],
  ['fe80::/10', 'a link-local address'],
  ['ff00::/8', 'a multicast address'],
];

const forbiddenLists = FORBIDDEN.map(([cidr, what]) => {
  const list = new BlockList();
  const [network, prefix] = cidr.split('/') as [string, string];
  list.addSubnet(network, Number(prefix), isIP(network) === 6 ? 'ipv6' : 'ipv4');
  return { list, what };
});

/** REPRO_PINS_ALLOW_HOSTS: comma-separated host names, `*.domain` wildcards, IP addresses and CIDRs. */
export function parseAllowList(text: string | undefined): { ok: true; allow: AllowList } | { ok: false; message: string } {
  const allow: AllowList = { hosts: [], addresses: new BlockList() };
  for (const entry of (text ?? '').split(/[,\s]+/).filter(Boolean)) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(unbracket(address ?? ''));
    if (family !== 0) {
      const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
      if (extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128) || (prefix !== undefined && !/^\d+$/.test(prefix))) {
        return { ok: false, message: `${ALLOW_HOSTS_ENV}: "${entry}" is not a valid CIDR` };
      }
      allow.addresses.addSubnet(unbracket(address ?? ''), bits, family === 4 ? 'ipv4' : 'ipv6');
    } else if (/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry)) {
      allow.hosts.push(entry.toLowerCase());
    } else {
      return { ok: false, message: `${ALLOW_HOSTS_ENV}: "${entry}" is neither a host name, an IP address nor a CIDR` };
    }
  }
  return { ok: true, allow };
}

/** Why the App may not connect to `address`, or null when it may. */
export function refusalFor(address: string, allow: AllowList): string | null {
  const ip = embeddedIpv4(unbracket(address));
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(ip) === 0) return `${address} is not an IP address`;
  if (allow.addresses.check(ip, family)) return null;
  const hit = forbiddenLists.find(({ list }) => list.check(ip, family));
  return hit ? `${address} is ${hit.what}` : null;
}

/** Whether a host name itself is on the operator's list. */
export function isAllowedHost(hostname: string, allow: AllowList): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return allow.hosts.some((entry) => (entry.startsWith('*.') ? name.endsWith(entry.slice(1)) : name === entry));
}

export interface GuardOptions {
  allow: AllowList;
  /** Resolves names as `dns.lookup` does; tests map a name to loopback with it. */
  lookup?: LookupFunction;
}

/**
 * An undici dispatcher for `fetch` whose every new connection is checked: an IP literal before
 * connecting, a name on the addresses DNS gives for it (all of them: any bad one refuses the host,
 * so happy-eyeballs cannot pick it later).
 */
export function guardedDispatcher(options: GuardOptions): Dispatcher {
  const { allow } = options;
  const resolve = options.lookup ?? (dnsLookup as LookupFunction);
  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = (Array.isArray(addresses) ? addresses : [{ address: addresses, family: isIP(addresses) }]) as LookupAddress[];
      for (const { address } of list) {
        const refusal = refusalFor(address, allow);
        if (refusal) return callback(refusedError(hostname, refusal), '', 0);
      }
      if (lookupOptions.all) return callback(null, list as unknown as string, 0);
      const first = list[0];
      return first ? callback(null, first.address, first.family) : callback(refusedError(hostname, 'it resolves to no address'), '', 0);
    });
  };
  const open = buildConnector({ lookup: guardedLookup });
  const openAllowed = buildConnector(options.lookup ? { lookup: options.lookup } : {});
  return new Agent({
    connect(connectOptions, callback) {
      const host = unbracket(connectOptions.hostname);
      if (isAllowedHost(host, allow)) return openAllowed(connectOptions, callback);
      // net.connect skips `lookup` for IP literals, so those are checked here.
      if (isIP(host) !== 0) {
        const refusal = refusalFor(host, allow);
        if (refusal) return callback(refusedError(host, refusal), null);
      }
      return open(connectOptions, callback);
    },
  });
}

function refusedError(host: string, reason: string): Error {
  const error = new Error(`refused to connect to ${host}: ${reason}; the operator can allow it in ${ALLOW_HOSTS_ENV}`);
  error.name = DESTINATION_REFUSED;
  return error;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * IPv4 addresses written in IPv6 form reach the IPv4 host: IPv4-mapped (`::ffff:127.0.0.1`,
 * RFC 4291 §2.5.5.2) and NAT64 (`64:ff9b::7f00:1`, RFC 6052). They are checked as the IPv4 address.
 */
function embeddedIpv4(address: string): string {
  if (isIP(address) !== 6) return address;
  const match = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!match) return address;
  if (match[1]) return match[1];
  const high = parseInt(match[2]!, 16);
  const low = parseInt(match[3]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
