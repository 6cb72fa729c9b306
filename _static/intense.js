// What a reader sees at any window width (the browser test in tests/test_book.py checks it):
// each figure fits its column and links to its full-size image, and a display equation wider
// than its column is typeset smaller until it fits, its number included.

function linkFigures() {
  document.querySelectorAll("div.cell_output img").forEach((img) => {
    if (img.closest("a")) return;
    const link = document.createElement("a");
    link.href = img.getAttribute("src");
    link.className = "intense-figure-link";
    link.title = "the figure at full size";
    img.replaceWith(link);
    link.appendChild(img);
  });
}

function fitEquations() {
  document.querySelectorAll('mjx-container[display="true"]').forEach((math) => {
    math.style.fontSize = "";
    const room = math.parentElement.clientWidth;
    const width = math.scrollWidth;
    if (width > room && room > 0) {
      math.style.fontSize = `${Math.floor((100 * room) / width)}%`;
    }
  });
}

document.addEventListener("DOMContentLoaded", linkFigures);
window.addEventListener("load", () => {
  const typeset = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
  typeset.then(fitEquations);
});
window.addEventListener("resize", fitEquations);
