// dom.js - DOM helpers of the page's modules: $ (one querySelector), element (a new element with
// its properties and children in one call) and canvasContext (a small canvas to draw frames into).
export const $ = (selector, root = document) => root.querySelector(selector);

/** A new `tag` element with `properties` assigned (className, textContent, ...), then `children`
 * appended. */
export function element(tag, properties = {}, children = []) {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

/** The 2D context of a new side x side canvas, made for frequent getImageData. */
export function canvasContext(side) {
  return element('canvas', { width: side, height: side }).getContext('2d', { willReadFrequently: true });
}
