import { useEffect } from 'react';
import { HelpDialog } from './components/HelpDialog.tsx';
import { Toasts } from './components/Toasts.tsx';
import { ConnectionsScreen } from './screens/ConnectionsScreen.tsx';
import { HistoryScreen } from './screens/HistoryScreen.tsx';
import { PlanScreen } from './screens/PlanScreen.tsx';
import { RehearseScreen } from './screens/RehearseScreen.tsx';
import { RunScreen } from './screens/RunScreen.tsx';
import { useConnections } from './store/connections.store.ts';
import { useRelease } from './store/release.store.ts';
import { SCREENS, useUi, type Screen } from './store/ui.store.ts';

const VIEWS: Record<Screen, () => React.JSX.Element> = {
  Connections: ConnectionsScreen,
  Plan: PlanScreen,
  Rehearse: RehearseScreen,
  Run: RunScreen,
  History: HistoryScreen,
};

export function App() {
  const loadContexts = useConnections((s) => s.loadContexts);
  const selected = useConnections((s) => s.contexts.find((c) => c.name === s.selectedContext));
  const { screen, go } = useUi();
  useEffect(() => {
    void loadContexts();
  }, [loadContexts]);
  useEffect(() => {
    // After a reload, main still drives the releases it started: show them again where they were.
    void useRelease
      .getState()
      .attachLive()
      .then((modes) => {
        const mode = modes.includes('run') ? 'run' : modes[0];
        if (!mode) return;
        const screen = mode === 'run' ? 'Run' : 'Rehearse';
        useUi.getState().toast({
          title: 'Release still live',
          body: `This console still drives a release; it is back on ${screen}.`,
          tone: 'info',
        });
        if (useUi.getState().screen === 'Connections') useUi.getState().go(screen);
      });
  }, []);
  const View = VIEWS[screen];
  return (
    <div className={`app ${selected?.isProduction ? 'app-prod' : ''}`}>
      <header className="topbar">
        <h1>Switchyard</h1>
        <nav aria-label="Screens">
          {SCREENS.map((s) => (
            <button
              key={s}
              type="button"
              className={`tab ${s === screen ? 'active' : ''}`}
              aria-current={s === screen ? 'page' : undefined}
              onClick={() => go(s)}
            >
              {s}
            </button>
          ))}
        </nav>
        {selected && (
          <span
            className={`context-pill ${selected.isProduction ? 'badge-prod' : ''}`}
            aria-label={`Active context ${selected.name}${selected.isProduction ? ', production' : ''}`}
          >
            {selected.name}
            {selected.isProduction ? ' · production' : ''}
          </span>
        )}
      </header>
      <main aria-label={screen}>
        <View />
      </main>
      <Toasts />
      <HelpDialog />
    </div>
  );
}
