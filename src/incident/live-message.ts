// Messages rendered from shared Redis state (checklists, watches) can be updated by two processes
// at once; Slack has no conditional update, so the last chat.update to land wins even if it was
// rendered from older state. Re-rendering until the state's version holds still closes that gap.

export async function updateUntilSettled(version: () => Promise<number>, renderAndSend: () => Promise<void>, maxRounds = 4): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    const before = await version();
    await renderAndSend();
    if ((await version()) === before) return;
  }
}
