import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { PrincipalMapper } from '@runnel/security';

/**
 * The user of a TLS client certificate: its subject as RFC 2253 text (`CN=alice,OU=Eng,O=Acme`,
 * most specific first, as Kafka's X500Principal#getName gives it), mapped by Kafka-style
 * `ssl.principal.mapping.rules` (RUNNEL_TLS_PRINCIPAL_MAPPING_RULES, libs/security
 * principal-mapping.ts). Only a certificate the CA verified counts (`socket.authorized`): with
 * RUNNEL_TLS_CLIENT_AUTH=requested a client may present any certificate, and an unverified one
 * names nobody. The answer is remembered per socket (a keep-alive connection maps once).
 * The rules are checked at start (http-edge.ts tlsServerOptions), so the constructor only throws
 * for rules the start already refused.
 */
export class CertificatePrincipals {
  private readonly mapper: PrincipalMapper;
  private readonly users = new WeakMap<Socket, string | null>();

  constructor(readonly rules: string) {
    this.mapper = PrincipalMapper.fromRules(rules);
  }

  /** The user name for the socket's verified client certificate, or undefined when it has none (or no rule applies). */
  userOf(socket: Socket): string | undefined {
    if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
    const known = this.users.get(socket);
    if (known !== undefined) return known ?? undefined;
    const certificate = socket.getPeerX509Certificate();
    const name = certificate ? this.mapper.nameOf(rfc2253(certificate.subject)) : undefined;
    const user = name === undefined || name.length === 0 ? undefined : name;
    this.users.set(socket, user ?? null);
    return user;
  }
}

/**
 * Node gives a subject one RDN per line in certificate order, values already escaped as RFC 2253
 * asks (`O=Acme\, Inc`), multi-valued RDNs joined by ` + `; RFC 2253 text is the reverse order,
 * comma-separated, with `+` between the values of one RDN.
 */
export function rfc2253(subject: string): string {
  return subject
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split(' + ').join('+'))
    .reverse()
    .join(',');
}
