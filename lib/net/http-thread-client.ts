import type { Worker } from "node:worker_threads";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { startThread } from "@/lib/server/threads";
import type { PostAnswer, PostRequest, Poster, Sender } from "./post";

/**
 * The dispatcher's side of its sending thread (lib/net/http-thread.ts): a
 * `Poster` that hands each POST to the thread and resolves with its answer.
 * Sockets, HTTP parsing and the kernel's writes then run on another core
 * while this thread claims, renders, signs and records.
 */

export type HttpThreadData = { allowPrivate: boolean; publicUrl?: string };
export type ToHttpThread = [id: number, request: PostRequest][] | "close";
export type PostFailure = { name: string; message: string; code?: string; cause?: { code?: string; message?: string } };
export type FromHttpThread = ([id: number, answer: PostAnswer] | [id: number, answer: null, failure: PostFailure])[];

/** A network error as thrown in the sending thread, with what describeNetworkError reads. */
function errorOf(failure: PostFailure): Error {
  const error = new Error(failure.message) as Error & { code?: string; cause?: unknown };
  error.name = failure.name;
  if (failure.code) error.code = failure.code;
  if (failure.cause) error.cause = failure.cause;
  return error;
}

const FLUSH_AT = 32;

export class HttpThread implements Sender {
  private worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (a: PostAnswer) => void; reject: (e: Error) => void }>();
  private outbox: [number, PostRequest][] = [];
  private flushQueued = false;
  private closing = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: HttpThreadData = { allowPrivate: env().HERALD_ALLOW_PRIVATE_TARGETS, publicUrl: env().publicUrl }) {
    this.worker = this.start();
  }

  private start(): Worker {
    const worker = startThread(import.meta.dirname, "http-thread", { workerData: this.options satisfies HttpThreadData });
    worker.on("message", (batch: FromHttpThread) => {
      for (const [id, answer, failure] of batch) {
        const waiter = this.waiting.get(id);
        if (!waiter) continue;
        this.waiting.delete(id);
        if (answer) waiter.resolve(answer);
        else waiter.reject(errorOf(failure!));
      }
      // Nothing waiting: the thread does not keep the process alive.
      if (this.waiting.size === 0) this.worker.unref();
    });
    worker.on("error", (e) => log.error("the sending thread failed", { error: e.stack ?? e.message }));
    this.exited = new Promise((resolve) => worker.once("exit", () => resolve()));
    worker.once("exit", (code) => {
      if (this.closing) return;
      // Its requests' outcomes are unknown: they fail as network errors and are retried
      // (at-least-once, like a worker that dies). A new thread takes the next ones.
      log.error("the sending thread stopped; starting a new one", { code });
      const lost = new Error("the sending thread stopped before an answer") as Error & { code: string };
      lost.code = "ECONNRESET";
      for (const waiter of this.waiting.values()) waiter.reject(lost);
      this.waiting.clear();
      this.worker = this.start();
    });
    worker.unref();
    return worker;
  }

  readonly post: Poster = (request) =>
    new Promise<PostAnswer>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) this.worker.ref();
      this.outbox.push([id, request]);
      // A claimed batch starts hundreds of sends in one go: the thread gets them a few dozen at a
      // time, so it is already sending while this thread renders and signs the rest.
      if (this.outbox.length >= FLUSH_AT) this.flush();
      else if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(this.flush);
      }
    });

  private flush = () => {
    this.flushQueued = false;
    if (this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    this.worker.postMessage(batch satisfies ToHttpThread);
  };

  async close(): Promise<void> {
    this.closing = true;
    // Referenced until it has exited: otherwise a process with nothing else to do ends mid-stop.
    this.worker.ref();
    this.worker.postMessage("close" satisfies ToHttpThread);
    await this.exited;
  }
}
