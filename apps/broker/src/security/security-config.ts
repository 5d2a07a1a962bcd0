/** How TLS client certificates are asked for (RUNNEL_TLS_CLIENT_AUTH), as Kafka's `ssl.client.auth`. */
export const TLS_CLIENT_AUTH = ['none', 'requested', 'required'] as const;
export type TlsClientAuth = (typeof TLS_CLIENT_AUTH)[number];

export interface TlsConfig {
  /** PEM files: the listener's certificate chain and key, and the CA that client certificates must chain to. */
  certFile: string;
  keyFile: string;
  caFile: string | undefined;
  clientAuth: TlsClientAuth;
  /**
   * Kafka's `ssl.principal.mapping.rules` syntax (`RULE:pattern/replacement/[LU],...,DEFAULT`):
   * how a client certificate's subject becomes a user name.
   */
  principalMappingRules: string;
}

export interface QuotaConfig {
  /** Rates are measured over `windowCount` samples of `windowMs` each (Kafka's quota.window.num / .size). */
  windowCount: number;
  windowMs: number;
  /** A throttle longer than this answers 429/42901 with Retry-After instead of delaying the answer. */
  maxDelayMs: number;
}

/** Security settings (SECURITY_CONFIG): everything DESIGN.md "Security" makes configurable. */
export interface SecurityConfig {
  /** RUNNEL_AUTH: authentication and authorization on; off by default (Kafka's PLAINTEXT quick start). */
  enabled: boolean;
  /** The password the first start with auth on gives `admin`; unset: one is generated and printed once. */
  adminPassword: string | undefined;
  /** Principals allowed everything (Kafka's super.users), e.g. User:admin;User:ops. */
  superUsers: string[];
  /** /metrics answers without credentials. */
  metricsPublic: boolean;
  /** Kafka's allow.everyone.if.no.acl.found. */
  allowEveryoneIfNoAclFound: boolean;
  /** Origins a WebSocket upgrade may come from when auth is on (browsers send Origin). */
  allowedOrigins: string[];
  /** How long a verified password stays verified in memory (no PBKDF2 per request). */
  credentialCacheMs: number;
  /** Failed authentications from one address before each further attempt is delayed. */
  failuresBeforeDelay: number;
  /** The longest delay a failing address gets (it doubles per failure up to this). */
  maxFailureDelayMs: number;
  /** A WebSocket ticket is valid this long after POST /v3/auth/ws-ticket. */
  wsTicketTtlMs: number;
  /** Audit records older than this are deleted. */
  auditRetentionMs: number;
  tls: TlsConfig | undefined;
  quotas: QuotaConfig;
}
