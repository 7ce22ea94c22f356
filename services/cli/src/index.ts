export { type Daemon, type DaemonInfo, daemonInfoPath, parseRoles, type RunDaemonParameters, readDaemonInfo, runDaemon } from './daemon.ts';
