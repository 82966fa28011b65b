/**
 * The app an unbound signature (`signature('proj.add', ...)`) publishes through: the one set
 * last, as Celery's `current_app`. Kept on globalThis so two copies of the package agree.
 */
import type { AppContext } from './app-context.ts';

const KEY = Symbol.for('celeriac.currentApp.v1');
type Global = { [KEY]?: AppContext };

export function setCurrentApp(app: AppContext): void {
  (globalThis as Global)[KEY] = app;
}

export function currentApp(): AppContext | undefined {
  return (globalThis as Global)[KEY];
}
