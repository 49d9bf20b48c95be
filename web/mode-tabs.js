// mode-tabs.js - the page's two modes, Webcam and Experiment, as WAI-ARIA tabs (arrow keys move
// between tabs, Home/End jump). The shown mode is in body[data-mode] (prediction.js pauses outside
// 'webcam') and, for Experiment, in the URL as #experiment, which also opens that tab.
const tabs = [...document.querySelectorAll('[role="tab"][data-mode]')];

function setMode(mode, { focus = false, remember = true } = {}) {
  for (const tab of tabs) {
    const selected = tab.dataset.mode === mode;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    document.getElementById(tab.getAttribute('aria-controls')).hidden = !selected;
    if (selected && focus) tab.focus();
  }
  document.body.dataset.mode = mode;
  if (remember) history.replaceState(null, '', mode === 'experiment' ? '#experiment' : location.pathname + location.search);
}

tabs.forEach((tab, i) => {
  tab.addEventListener('click', () => setMode(tab.dataset.mode));
  tab.addEventListener('keydown', (event) => {
    const last = tabs.length - 1;
    const next = { ArrowRight: i === last ? 0 : i + 1, ArrowLeft: i === 0 ? last : i - 1, Home: 0, End: last }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    setMode(tabs[next].dataset.mode, { focus: true });
  });
});
setMode(location.hash === '#experiment' ? 'experiment' : 'webcam', { remember: false });
