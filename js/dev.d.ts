/** A project's `wrangler dev`, started by {@link devServer}. */
export interface DevServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `fetch` of `path` on the server (redirects not followed). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** What wrangler printed last (up to 8 KiB): the Worker's logs. */
  output(): string;
  /** Stops wrangler and what it started; removes its state. */
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** The project's folder (its wrangler.toml). Default: the current folder. */
  cwd?: string;
  /** How long the build and start may take. Default: 180. */
  seconds?: number;
  /** More arguments for `wrangler dev`. */
  args?: string[];
}

/** Starts the project's `wrangler dev` on a free port of 127.0.0.1 with fresh local state. */
export function devServer(options?: DevServerOptions): Promise<DevServer>;

/** A port nobody listens on now, on 127.0.0.1. */
export function freePort(): Promise<number>;

/** A Node.js binary that runs wrangler (22 or later): TINYWORKER_NODE, this one, one on the PATH, or a tinyworker checkout's pinned one. */
export function wranglerNode(): string;
