import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { podStartFailure } from "./jobs.ts";

const waiting = (name: string, reason: string, message?: string): V1ContainerStatus => ({
  name,
  image: "busybox:1.37",
  imageID: "",
  ready: false,
  restartCount: 0,
  state: { waiting: { reason, ...(message !== undefined ? { message } : {}) } },
});

const pod = (containers: V1ContainerStatus[], init: V1ContainerStatus[] = []): V1Pod => ({
  status: { phase: "Pending", containerStatuses: containers, initContainerStatuses: init },
});

describe("podStartFailure", () => {
  const cases: Array<[string, V1Pod, ReturnType<typeof podStartFailure>]> = [
    ["no status yet", {}, undefined],
    ["creating", pod([waiting("backup", "ContainerCreating")]), undefined],
    ["a first failed pull is retried, not final", pod([waiting("backup", "ErrImagePull")]), undefined],
    [
      "a missing Secret",
      pod([waiting("backup", "CreateContainerConfigError", 'secret "s3-creds" not found')]),
      { reason: "CreateContainerConfigError", container: "backup", message: 'secret "s3-creds" not found' },
    ],
    [
      "a pull backing off",
      pod([waiting("backup", "ImagePullBackOff", "Back-off pulling image")]),
      { reason: "ImagePullBackOff", container: "backup", message: "Back-off pulling image" },
    ],
    [
      "an image name that is no name, without a message",
      pod([waiting("backup", "InvalidImageName")]),
      { reason: "InvalidImageName", container: "backup", message: "" },
    ],
    [
      "the runtime refuses the container",
      pod([waiting("backup", "CreateContainerError", "no such file")]),
      { reason: "CreateContainerError", container: "backup", message: "no such file" },
    ],
    [
      "an init container first",
      pod([waiting("backup", "PodInitializing")], [waiting("init", "ErrImageNeverPull", "never pull")]),
      { reason: "ErrImageNeverPull", container: "init", message: "never pull" },
    ],
    [
      "running",
      { status: { phase: "Running", containerStatuses: [{ ...waiting("b", "x"), state: { running: {} } }] } },
      undefined,
    ],
  ];
  for (const [name, given, want] of cases) it(name, () => assert.deepEqual(podStartFailure(given), want));
});
