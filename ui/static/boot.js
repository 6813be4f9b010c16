// Loads the wasm UI. An external file, so the CSP needs no 'unsafe-inline' for scripts.
import init from './rcmd-ui.js';
init().catch((e) => {
  document.body.textContent = 'RCMD UI failed to load / UI를 불러오지 못했습니다: ' + e;
});
