// `report --open`: hands the page to the desktop's opener, when the machine has one.
import { spawn, spawnSync } from 'node:child_process';

/** true when xdg-open took the file; otherwise why it could not. */
export function openInViewer(file: string): true | string {
  const found = spawnSync('sh', ['-c', 'command -v xdg-open'], { encoding: 'utf8' });
  if (found.status !== 0 || found.stdout.trim() === '') return 'xdg-open is not installed (open the path above in a browser)';
  const child = spawn(found.stdout.trim(), [file], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  return true;
}
