/**
 * node:http, taken with builtinModule (process.getBuiltinModule: what require gives). An ESM import of node:http builds the module's ESM facade,
 * which reads every export, and its WebSocket, CloseEvent and MessageEvent getters load Node's
 * bundled undici: some 35 ms of CPU at every start of a process that serves or asks over HTTP,
 * for classes no Latchkey process takes from there. One ESM import anywhere in a process is
 * enough to pay it, so every module that needs node:http at run time takes it from here (types
 * are still imported from node:http as types).
 */
import type * as Http from 'node:http';
import { builtinModule } from '../builtin-module.js';

export const nodeHttp = builtinModule<typeof Http>('node:http');
