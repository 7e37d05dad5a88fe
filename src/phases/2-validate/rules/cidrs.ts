import { isIP } from 'node:net';
import type { Rule } from './rule.js';

/** Pod CIDRs must be real networks: a valid address, a prefix that fits it, and no host bits set; NodeLocal DNSCache addresses real addresses. */
export const cidrs: Rule = ({ spec, sourceMap, diagnostics }) => {
  for (const cluster of spec.clusters) {
    (cluster.podCIDRs ?? []).forEach((cidr, index) => {
      const problem = cidrProblem(cidr);
      if (problem) diagnostics.error('schema_invalid_cidr', `${JSON.stringify(cidr)} is not a valid CIDR: ${problem}`, sourceMap.valueSpan(cluster.podCIDRs!, index), ['CIDRs look like `10.10.0.0/16` or `fd00::/48`']);
    });
  }
  (spec.platform?.dns?.nodeLocalAddresses ?? []).forEach((address, index) => {
    if (isIP(address) === 0)
      diagnostics.error('schema_invalid_cidr', `${JSON.stringify(address)} is not an IP address`, sourceMap.valueSpan(spec.platform!.dns!.nodeLocalAddresses!, index), [
        'NodeLocal DNSCache listens on `169.254.20.10` by default',
      ]);
  });
};

export function cidrProblem(cidr: string): string | undefined {
  const [address, prefixText] = cidr.split('/');
  const family = isIP(address);
  if (family === 0) return `\`${address}\` is not an IP address`;
  const prefix = Number(prefixText);
  const bits = family === 4 ? 32 : 128;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return `the prefix must be 0 to ${bits}`;
  if (family === 4) {
    const value = address.split('.').reduce((n, octet) => n * 256n + BigInt(octet), 0n);
    const hostBits = value & ((1n << BigInt(32 - prefix)) - 1n);
    if (hostBits !== 0n) return `host bits are set (did you mean \`${networkAddress(value, prefix)}/${prefix}\`?)`;
  }
  return undefined;
}

function networkAddress(value: bigint, prefix: number): string {
  const network = (value >> BigInt(32 - prefix)) << BigInt(32 - prefix);
  return [24n, 16n, 8n, 0n].map((shift) => String((network >> shift) & 255n)).join('.');
}
