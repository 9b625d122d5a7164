// A policy evaluation's answer as the pages show it: the outcome, then one
// row per finding with its verdict, the rule that fired and the path.
import { h } from './dom.js';
import { workLink, licenceBadge, verdictBadge } from './components.js';
import { action, outcome, findingTitle } from './policy.js';

/** actionBadge shows a finding's action with a sign and words. */
export function actionBadge(a) {
  const d = action(a);
  return h('span', { class: `policy-action policy-${d.key}`, dataset: { action: d.key } }, h('span', { 'aria-hidden': 'true' }, d.sign), ' ', d.label);
}

/** evaluationView renders an EvaluatePolicyResponse. */
export function evaluationView(r) {
  const o = outcome(r.outcome);
  const findings = r.findings || [];
  return h('div', { class: 'evaluation', dataset: { outcome: o.key, findings: String(findings.length) } },
    h('p', { class: `policy-outcome policy-${o.key}`, role: 'status' },
      h('span', { 'aria-hidden': 'true' }, o.sign), ' ', h('strong', null, o.label), ' · ',
      `${r.subjectsEvaluated || 0} evaluated, ${findings.length} finding${findings.length === 1 ? '' : 's'}`,
      ` · ${r.policy || ''}${r.revisionId ? ` revision ${r.revisionId}` : ''}`,
      r.productLicence ? [' · product licence ', h('code', null, r.productLicence)] : null),
    (r.warnings || []).length ? h('ul', { class: 'warnings' }, r.warnings.map((w) => h('li', null, w))) : null,
    findings.length ? h('table', { class: 'findings' },
      h('caption', { class: 'sr-only' }, 'Findings, one per component or work'),
      h('thead', null, h('tr', null, ['Component', 'Action', 'Licence', 'Rule', 'Verdict', 'Path'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, findings.map(findingRow))) : null);
}

function findingRow(f) {
  return h('tr', { dataset: { subject: f.subject || '', work: f.work || '', action: action(f.action).key } },
    h('th', { scope: 'row' }, f.work ? workLink(f.work, findingTitle(f)) : findingTitle(f),
      f.purl ? h('div', { class: 'small muted' }, h('code', { class: 'break' }, f.purl)) : null),
    h('td', null, actionBadge(f.action), f.exemption ? h('div', { class: 'small' }, `exempted: ${f.exemption}`) : null),
    h('td', null, licenceBadge(f.licence, { withCategory: false }),
      f.curation ? h('div', { class: 'small curated', dataset: { curation: f.curation } },
        `curated by ${f.curation}; declared ${f.declaredLicence || 'none'}`) : null),
    h('td', null, h('code', { class: 'rule' }, f.rule || '—'), f.reason ? h('div', { class: 'small' }, f.reason) : null),
    h('td', null, f.check?.verdict ? verdictBadge(f.check.verdict) : '—'),
    h('td', { class: 'path' }, (f.path || []).join(' › ')));
}
