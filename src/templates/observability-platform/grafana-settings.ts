import type { ObservabilityPlatformSpec } from "../../api/observability-platform.ts";
import type { Manifest } from "../../resources/manifest.ts";

type Spec = ObservabilityPlatformSpec;
type Auth = NonNullable<NonNullable<Spec["security"]>["authentication"]>;

/** Where Grafana finds the certificate of `security.tls.certSecret` (keys `tls.crt`, `tls.key`). */
export const grafanaTlsPath = "/etc/grafana/tls";

/** Whether Grafana serves HTTPS: TLS on with a certificate Secret. */
export const grafanaServesTls = (spec: Spec): boolean =>
  spec.security?.tls?.enabled === true && spec.security.tls.certSecret !== undefined;

/** Whether one sign-in method is configured: asked by `type`, or given alone when `type` is unset. */
const wants = (auth: Auth | undefined, method: "basic" | "ldap" | "oidc"): boolean =>
  auth?.[method] !== undefined && (auth.type === undefined || auth.type === method);

/**
 * The secret values Grafana's settings read from its environment, by variable:
 * SMTP password, LDAP bind password, OIDC client secret. Empty when none is given.
 */
export function grafanaSecretValues(spec: Spec): Record<string, string> {
  const auth = spec.security?.authentication;
  const smtp = spec.components.grafana?.smtp;
  return {
    ...(smtp?.password !== undefined && { GF_SMTP_PASSWORD: smtp.password }),
    ...(wants(auth, "ldap") &&
      auth?.ldap?.bindPassword !== undefined && { LDAP_BIND_PASSWORD: auth.ldap.bindPassword }),
    ...(wants(auth, "oidc") &&
      auth?.oidc?.clientSecret !== undefined && {
        GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: auth.oidc.clientSecret,
      }),
  };
}

/** The Secret `<name>-settings` holding {@link grafanaSecretValues}, and the env reading it; undefined when empty. */
export function grafanaSettingsSecret(
  spec: Spec,
  name: string,
): { secret: Manifest; env: Array<Record<string, unknown>> } | undefined {
  const values = grafanaSecretValues(spec);
  if (Object.keys(values).length === 0) return undefined;
  const secretName = `${name}-settings`;
  return {
    secret: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: secretName },
      type: "Opaque",
      data: Object.fromEntries(
        Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
      ),
    },
    env: Object.keys(values).map((k) => ({
      name: k,
      valueFrom: { secretKeyRef: { name: secretName, key: k } },
    })),
  };
}

/** `grafana.ini`'s lines for SMTP, sign-in (basic, LDAP, generic OAuth for OIDC) and HTTPS. */
export function grafanaIniSections(spec: Spec): string[] {
  const smtp = spec.components.grafana?.smtp;
  const auth = spec.security?.authentication;
  const oidc = wants(auth, "oidc") ? auth?.oidc : undefined;
  const issuer = oidc?.issuer.replace(/\/+$/, "");
  return [
    ...(smtp
      ? [
          "[smtp]",
          "enabled = true",
          `host = ${smtp.host}:${smtp.port}`,
          `from_address = ${smtp.from}`,
          ...(smtp.user !== undefined ? [`user = ${smtp.user}`] : []),
          `startTLS_policy = ${smtp.tls === false ? "NoStartTLS" : "MandatoryStartTLS"}`,
        ]
      : []),
    ...(wants(auth, "basic") ? ["[auth.basic]", "enabled = true"] : []),
    ...(wants(auth, "ldap")
      ? ["[auth.ldap]", "enabled = true", "config_file = /etc/grafana/stackwarden/ldap.toml"]
      : []),
    ...(oidc && issuer
      ? [
          "[auth.generic_oauth]",
          "enabled = true",
          "name = OIDC",
          `client_id = ${oidc.clientId}`,
          "scopes = openid profile email",
          `auth_url = ${issuer}/authorize`,
          `token_url = ${issuer}/token`,
          `api_url = ${issuer}/userinfo`,
        ]
      : []),
    ...(grafanaServesTls(spec) || oidc?.redirectUrl
      ? [
          "[server]",
          ...(grafanaServesTls(spec)
            ? [
                "protocol = https",
                `cert_file = ${grafanaTlsPath}/tls.crt`,
                `cert_key = ${grafanaTlsPath}/tls.key`,
              ]
            : []),
          ...(oidc?.redirectUrl
            ? [`root_url = ${oidc.redirectUrl.replace(/\/login\/generic_oauth\/?$/, "")}`]
            : []),
        ]
      : []),
  ];
}

/** `ldap.toml` for `security.authentication.ldap` (bind password from the environment), or undefined. */
export function grafanaLdapToml(spec: Spec): string | undefined {
  const auth = spec.security?.authentication;
  const ldap = wants(auth, "ldap") ? auth?.ldap : undefined;
  if (!ldap) return undefined;
  const q = (v: string): string => JSON.stringify(v);
  return [
    "[[servers]]",
    `host = ${q(ldap.host)}`,
    `port = ${ldap.port ?? 389}`,
    `bind_dn = ${q(ldap.bindDn)}`,
    ...(ldap.bindPassword !== undefined ? [`bind_password = ${q("$__env{LDAP_BIND_PASSWORD}")}`] : []),
    `search_filter = ${q(ldap.userFilter ?? "(uid=%s)")}`,
    `search_base_dns = [${q(ldap.userBaseDn)}]`,
    "",
  ].join("\n");
}
