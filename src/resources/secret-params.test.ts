import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  maskSecrets,
  maskedSecret,
  unmaskSecrets,
  withSecretsFrom,
  withoutSecrets,
} from "./secret-params.ts";

const pointers = ["/components/grafana/adminPassword", "/components/loki/s3/secretAccessKey"];
const params = {
  components: { grafana: { version: "10.2.0", adminPassword: "hunter22" }, loki: { enabled: false } },
};

describe("secret parameters", () => {
  it("are left out of a snapshot, which keeps everything else", () => {
    const snapshot = withoutSecrets(params, pointers);
    assert.deepEqual(snapshot, { components: { grafana: { version: "10.2.0" }, loki: { enabled: false } } });
    assert.ok(!JSON.stringify(snapshot).includes("hunter22"));
    assert.equal(params.components.grafana.adminPassword, "hunter22", "the input is untouched");
  });

  it("are put back from the current parameters when a snapshot is rendered", () => {
    const snapshot = withoutSecrets(params, pointers);
    const current = { components: { grafana: { version: "11.0.0", adminPassword: "new-secret" } } };
    assert.deepEqual(withSecretsFrom(snapshot, current, pointers), {
      components: { grafana: { version: "10.2.0", adminPassword: "new-secret" }, loki: { enabled: false } },
    });
  });

  it("leave a snapshot alone when the current parameters hold no secret", () => {
    const snapshot = withoutSecrets(params, pointers);
    assert.deepEqual(withSecretsFrom(snapshot, {}, pointers), snapshot);
  });

  it("are masked in what the API sends, where they are set, and nowhere else", () => {
    const masked = maskSecrets(params, pointers);
    assert.deepEqual(masked, {
      components: { grafana: { version: "10.2.0", adminPassword: maskedSecret }, loki: { enabled: false } },
    });
    assert.ok(!JSON.stringify(masked).includes("hunter22"));
    assert.equal(params.components.grafana.adminPassword, "hunter22", "the input is untouched");
  });

  for (const [what, wanted, expected] of [
    [
      "a mask sent back keeps the current secret",
      { components: { grafana: { version: "11.0.0", adminPassword: maskedSecret } } },
      { components: { grafana: { version: "11.0.0", adminPassword: "hunter22" } } },
    ],
    [
      "a new value replaces it",
      { components: { grafana: { version: "11.0.0", adminPassword: "changed" } } },
      { components: { grafana: { version: "11.0.0", adminPassword: "changed" } } },
    ],
    [
      "leaving it out removes it",
      { components: { grafana: { version: "11.0.0" } } },
      { components: { grafana: { version: "11.0.0" } } },
    ],
  ] as const) {
    it(`unmasked on the way in: ${what}`, () => {
      assert.deepEqual(unmaskSecrets(wanted, params, pointers), expected);
    });
  }
});
