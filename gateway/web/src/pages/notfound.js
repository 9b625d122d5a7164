import { h } from '../dom.js';

export default function notFound({ main }) {
  document.title = 'Not found · Stemma explorer';
  main.append(h('h1', null, 'No such page'),
    h('p', null, 'The explorer has no page at ', h('code', null, location.pathname), '. ', h('a', { href: '/' }, 'Find a work'), ' instead.'));
}
