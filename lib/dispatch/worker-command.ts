// Placeholder until the dispatcher lands (issue #5); the dispatcher engineer replaces this file.
export async function runWorkerCommand(): Promise<void> {
  throw new Error("The standalone worker is not built yet");
}
