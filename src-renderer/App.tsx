import { useEffect } from 'react';
import { ConnectionsScreen } from './screens/ConnectionsScreen.tsx';
import { useConnections } from './store/connections.store.ts';

export function App() {
  const loadContexts = useConnections((s) => s.loadContexts);
  const selected = useConnections((s) => s.contexts.find((c) => c.name === s.selectedContext));
  useEffect(() => {
    void loadContexts();
  }, [loadContexts]);
  return (
    <div className={`app ${selected?.isProduction ? 'app-prod' : ''}`}>
      <header className="topbar">
        <h1>Switchyard</h1>
        <nav aria-label="Screens">
          <span className="tab active" aria-current="page">
            Connections
          </span>
        </nav>
        {selected && (
          <span
            className={`context-pill ${selected.isProduction ? 'badge-prod' : ''}`}
            aria-label="Active context"
          >
            {selected.name}
            {selected.isProduction ? ' · production' : ''}
          </span>
        )}
      </header>
      <main>
        <ConnectionsScreen />
      </main>
    </div>
  );
}
