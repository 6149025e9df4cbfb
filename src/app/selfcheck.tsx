import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SelfCheckPage } from '../features/selfcheck/SelfCheckPage';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('selfcheck.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <SelfCheckPage />
  </StrictMode>,
);
