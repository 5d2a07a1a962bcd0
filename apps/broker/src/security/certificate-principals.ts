import type { Socket } from 'node:net';

/**
 * The principal of a TLS client certificate: its subject mapped by Kafka-style
 * `ssl.principal.mapping.rules` (RUNNEL_TLS_PRINCIPAL_MAPPING_RULES).
 *
 * (Foundation stub: no TLS yet — no socket has a certificate principal.)
 */
export class CertificatePrincipals {
  constructor(readonly rules: string) {}

  /** The user name for the socket's verified client certificate, or undefined when it has none. */
  userOf(_socket: Socket): string | undefined {
    return undefined;
  }
}
