import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';

/** A PKCS#12 keystore for a server's TLS listener and the certificate clients trust. */
export interface SelfSignedTls {
  readonly keystorePath: string;
  /** Test-only, random per start; never a real secret. */
  readonly keystorePassword: string;
  /** The self-signed server certificate (PEM), the CA a client passes to trust the server. */
  readonly caPem: string;
}

/** `keytool` next to the `java` that runs the server (so the JDK in use provides it). */
function keytoolCommand(java: string): string {
  return java.includes('/') ? join(dirname(java), 'keytool') : 'keytool';
}

function run(service: string, command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error === null) return resolve();
      reject(
        new TributaryError(
          E2eErrorCodes.SERVICE_START_FAILED,
          `${service} TLS setup failed (${args[0]}): ${`${stdout}\n${stderr}`.trim().split('\n').slice(-5).join('\n')}`,
          { cause: error, context: { service, command } },
        ),
      );
    });
  });
}

/**
 * Creates a fresh self-signed key pair for `127.0.0.1`/`localhost` with the JDK's `keytool`
 * (always present where a JVM server runs) and exports its certificate as PEM. `service` names the
 * server in errors.
 */
export async function createSelfSignedTls(
  workDir: string,
  java: string,
  service: string,
): Promise<SelfSignedTls> {
  const keytool = keytoolCommand(java);
  const keystorePath = join(workDir, 'broker.p12');
  const certPath = join(workDir, 'broker-cert.pem');
  const keystorePassword = randomBytes(12).toString('hex');
  rmSync(keystorePath, { force: true });
  rmSync(certPath, { force: true });
  const store = ['-keystore', keystorePath, '-storetype', 'PKCS12', '-storepass', keystorePassword];
  await run(service, keytool, [
    '-genkeypair',
    '-alias',
    'broker',
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-validity',
    '3650',
    '-dname',
    'CN=localhost, O=Tributary e2e',
    '-ext',
    'SAN=ip:127.0.0.1,dns:localhost',
    '-keypass',
    keystorePassword,
    ...store,
  ]);
  await run(service, keytool, ['-exportcert', '-rfc', '-alias', 'broker', '-file', certPath, ...store]);
  return { keystorePath, keystorePassword, caPem: readFileSync(certPath, 'utf8') };
}
