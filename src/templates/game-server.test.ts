import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { minecraftBedrock } from "./minecraft-bedrock/template.ts";
import { minecraftJava } from "./minecraft-java/template.ts";
import { restartedAtAnnotation } from "./game-server.ts";
import type { RenderContext, Template } from "./template.ts";
import { validate } from "../api/validate.ts";

interface StatefulSetShape {
  spec: {
    replicas: number;
    template: { metadata: { annotations: Record<string, string> } };
    volumeClaimTemplates: unknown[];
  };
}

function paramsOf(template: Template): unknown {
  const result = validate(template.params, { eula: true });
  assert.ok(result.ok);
  return result.value;
}

function statefulSet(template: Template, power: Partial<RenderContext<unknown>>): StatefulSetShape {
  const ctx = {
    stack: { name: "mc", namespace: "games", uid: "u" },
    params: paramsOf(template),
    secretName: (n: string) => `mc-${n}`,
    ...power,
  };
  const server = template.components.find((c) => c.name === "server");
  const objects = server!.build(ctx as never) as unknown as StatefulSetShape[];
  return objects[0]!;
}

describe("game-server power in the templates", () => {
  for (const template of [minecraftJava, minecraftBedrock] as unknown as Template[]) {
    const cases: Array<[string, Partial<RenderContext<unknown>>, number, string | undefined]> = [
      ["runs one replica by default", {}, 1, undefined],
      ["runs one replica when Running", { power: "Running" }, 1, undefined],
      ["scales to zero when Stopped, keeping the volume claim", { power: "Stopped" }, 0, undefined],
      [
        "puts the restart on the pod template",
        { restartedAt: "2026-12-01T04:00:00.000Z" },
        1,
        "2026-12-01T04:00:00.000Z",
      ],
    ];
    for (const [name, power, replicas, restartedAt] of cases) {
      it(`${template.name} ${name}`, () => {
        const sts = statefulSet(template, power);
        assert.equal(sts.spec.replicas, replicas);
        assert.equal(sts.spec.volumeClaimTemplates.length, 1);
        assert.equal(sts.spec.template.metadata.annotations[restartedAtAnnotation], restartedAt);
      });
    }
  }
});
