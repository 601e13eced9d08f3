/**
 * Reads Minecraft's answer to `list` ("There are 2 of a max of 20 players
 * online: Alex, Steve") into a count, a maximum and names; null when the
 * answer is not one.
 */
export interface PlayerList {
  readonly online: number;
  readonly max: number;
  readonly names: readonly string[];
}

export function parsePlayerList(output: string): PlayerList | null {
  const m = /There are (\d+) of a max(?: of)? (\d+) players online:?\s*(.*)$/m.exec(output);
  if (!m) return null;
  const names = (m[3] ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  return { online: Number(m[1]), max: Number(m[2]), names };
}
