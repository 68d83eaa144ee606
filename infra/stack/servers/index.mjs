// The servers of the local stack, in the order `up`/`status` list them. Adding a server = writing
// one module next to these (copy redis.mjs, the smallest) and adding it to this list; stack.mjs,
// its CLI (`up|down|status|env|describe`), the env file and the fault suite's private stack
// (faults/src/stack.ts reads `describe`) pick it up from here. A module's default export:
//
//   name            CLI name; also <data>/pids/<name>.pid and <data>/logs/<name>.log
//   ports           [{ key, env, default, meaning }]: the first is the one it is probed on; `default`
//                   may be a function of the ports resolved before it (cfg.ports[key] = resolved)
//   settings?       [{ env, default, meaning }]: other SG_* variables it reads (usage text, describe)
//   env(cfg)        connection settings for the apps, e.g. { REDIS_URL: 'redis://127.0.0.1:6379' }
//   cmdline         string or RegExp its process's /proc/<pid>/cmdline matches (pid reuse guard)
//   probe(cfg)      resolves true when a usable server answers on its port
//   portBusyMessage(cfg)   what to tell the user when the port is held by something else
//   start(cfg, { log, logFile })  install/build what is missing, start it (core.spawnDetached writes
//                   the pid file), wait until probe() holds; resolves { pid }
//   ensure?(cfg, ctx)      runs after every `up`, for our server and an external one alike
//   stopSignal, stopTimeoutMs   how `down` stops it before falling back to SIGKILL
//   optional?       true: `up` without names starts it only when listed in SG_WITH (comma-separated)
//                   or named (`up jaeger`); `down`/`status` without names include it

import jaeger from './jaeger.mjs';
import kafka from './kafka.mjs';
import mailpit from './mailpit.mjs';
import mongo from './mongo.mjs';
import postgres from './postgres.mjs';
import redis from './redis.mjs';
import toxiproxy from './toxiproxy.mjs';

export const SERVERS = [postgres, redis, kafka, mongo, mailpit, jaeger, toxiproxy];
