//! Layers: the top-level modules of `src/` depend on each other one way only.
//!
//! The design (docs/architecture.md) stacks the crate in layers, from plain
//! data at the bottom to the public API at the top: leaves, then tasks and
//! timers, the trace that narrates them, the executor that runs them, the
//! futures built on the executor, and the runtime and combinators on top.
//! Nothing in the compiler keeps code from reaching upward, so this test does:
//! it reads every `.rs` file under `src/`, finds each `crate::<module>` path
//! outside comments and string literals, and fails, listing every problem at
//! once, on
//!
//! * an import the table below does not allow (`task` naming `executor`),
//! * an import cycle between top-level modules,
//! * a top-level module the table does not list,
//! * a table that is itself cyclic or names a module it has no row for.
//!
//! `super::` paths stay inside one module and are not checked; `lib.rs` is the
//! crate root and may name anything. Run it alone with
//! `cargo test --test layers`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::Path;

/// One row of the layer table: a top-level module of `src/` (a file
/// `src/<module>.rs` or a folder `src/<module>/`), its rank in the design,
/// and the other top-level modules its code may name through `crate::`.
struct Layer {
    module: &'static str,
    rank: &'static str,
    may_name: &'static [&'static str],
}

const fn layer(
    module: &'static str,
    rank: &'static str,
    may_name: &'static [&'static str],
) -> Layer {
    Layer {
        module,
        rank,
        may_name,
    }
}

/// The declared layers, lowest first. A new top-level module is one new row.
const LAYERS: &[Layer] = &[
    // Leaves: plain data structures (intrusive lists...) that know nothing else.
    layer("util", "L0", &[]),
    // Task slots, their states and their results, as plain data.
    layer("task", "L1-L2", &["util"]),
    // The timer wheel and the clocks, as plain data.
    layer("timer", "L1-L2", &["util"]),
    // Narration: the trace lines that describe tasks and timers.
    layer("trace", "L1", &["util", "task", "timer"]),
    // Beside the stack: synchronisation such as Event, on leaves plus
    // narration, and the task layer's `Wake` (a task by name or a waker).
    layer("sync", "side", &["util", "task", "trace"]),
    // Beside the loop (feature `net`): the reactor and the sockets. Names
    // nothing: the executor owns the reactor and tells `net` which one is
    // current, as it tells `trace` its tracer.
    layer("net", "side", &[]),
    // The loop: run queue, wakers, polling, parking (in the reactor with
    // `net`), the current runtime.
    layer("executor", "L3", &["util", "task", "timer", "trace", "net"]),
    // Join handles: awaiting, cancelling and detaching spawned tasks.
    layer("join", "L4", &["util", "task", "trace", "executor"]),
    // The time futures (sleep, timeout) driven by the executor's timers.
    layer("time", "L4", &["util", "timer", "trace", "executor"]),
    // to_thread: a closure on the executor's worker threads, as a future.
    layer(
        "thread",
        "L4",
        &["util", "task", "trace", "executor", "join"],
    ),
    // Remote spawns: a Send handle posting to the executor's inbox.
    layer("handle", "L4", &["util", "task", "executor", "join"]),
    // yield_now: a self-contained future that needs nothing else of the crate.
    layer("yield_now", "L4", &[]),
    // The public entry points: Runtime, Builder, run, spawn, stats.
    layer(
        "runtime",
        "L5",
        &[
            "util", "task", "timer", "trace", "executor", "join", "time", "handle",
        ],
    ),
    // Combinators over join handles: wait and gather.
    layer("wait", "L5", &["util", "join"]),
    // Results in completion order over join handles.
    layer("as_completed", "L5", &["util", "join"]),
    // Task groups: spawn through the runtime, cancel through the executor.
    layer(
        "group",
        "L5",
        &["util", "task", "trace", "executor", "join", "runtime"],
    ),
    // asyncio's streams (feature `net`): readers, writers and servers over
    // net's sockets, with tasks and sleeps of the runtime. Its files live in
    // `src/streams/`; its public names in `looplet::net` (`net/mod.rs`
    // includes the folder with `#[path]`).
    layer(
        "streams",
        "L5",
        &["util", "net", "sync", "join", "time", "runtime"],
    ),
];

/// One `crate::<to>` path found in a file of module `from`.
struct Import {
    from: String,
    to: String,
    file: String,
    line: usize,
}

#[test]
fn layers_of_src_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = read_tree(root, "src");
    assert!(!files.is_empty(), "no .rs files found under src/");
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let problems = check(LAYERS, &files);
    assert!(
        problems.is_empty(),
        "{} layer problem(s) in src/ (the table is at the top of tests/layers.rs; \
         the layers are described in docs/architecture.md):\n{}",
        problems.len(),
        problems.join("\n"),
    );
}

// ---------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------

/// Every problem with `files` (pairs of a path such as `src/task/table.rs` and
/// its source text) under `table`, one line each; empty when the layers hold.
fn check(table: &[Layer], files: &[(&str, &str)]) -> Vec<String> {
    let mut problems = check_table(table);
    let rows: BTreeMap<&str, &Layer> = table.iter().map(|row| (row.module, row)).collect();
    let modules = top_level_modules(files);
    for (module, place) in &modules {
        if !rows.contains_key(module.as_str()) {
            problems.push(format!(
                "unknown module: {place} is top-level module `{module}`, which the layer \
                 table does not list; add it to the layer table in tests/layers.rs"
            ));
        }
    }
    let known = |name: &str| modules.contains_key(name) || rows.contains_key(name);
    let imports = imports(files, known);
    problems.extend(imports.iter().filter_map(|import| forbidden(import, &rows)));
    problems.extend(import_cycles(&imports));
    problems
}

/// The table's own faults: duplicate rows, names without a row, cycles.
fn check_table(table: &[Layer]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for row in table {
        if graph
            .insert(row.module, row.may_name.iter().copied().collect())
            .is_some()
        {
            problems.push(format!("layer table: `{}` has two rows", row.module));
        }
    }
    for row in table {
        for name in row
            .may_name
            .iter()
            .filter(|name| !graph.contains_key(*name))
        {
            problems.push(format!(
                "layer table: `{}` may name `{name}`, which has no row in the table",
                row.module
            ));
        }
    }
    for component in cycles(&graph) {
        problems.push(format!(
            "layer table: not acyclic, {} may name each other in a cycle",
            component.join(", ")
        ));
    }
    problems
}

/// The top-level module of each file, with where it lives (`src/wait.rs`,
/// `src/time/`). `lib.rs` is the crate root and belongs to none.
fn top_level_modules(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut modules = BTreeMap::new();
    for (path, _) in files {
        if let Some(module) = module_of(path) {
            let place = if path.trim_start_matches("src/").contains('/') {
                format!("src/{module}/")
            } else {
                path.to_string()
            };
            modules.entry(module.to_string()).or_insert(place);
        }
    }
    modules
}

/// `src/util/list.rs` -> `util`, `src/wait.rs` -> `wait`; `None` for
/// `src/lib.rs` and anything that is not Rust source under `src/`.
fn module_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("src/")?;
    if !rest.ends_with(".rs") {
        return None;
    }
    match rest.split_once('/') {
        Some((folder, _)) => Some(folder),
        None => Some(rest.trim_end_matches(".rs")).filter(|stem| *stem != "lib"),
    }
}

/// Each top-level module that a file names outside its own module, once per
/// file and module, at the line where it is first named. A name counts only
/// if `known` says it is a module; `crate::Runtime` names the crate root.
fn imports(files: &[(&str, &str)], known: impl Fn(&str) -> bool) -> Vec<Import> {
    let mut found = Vec::new();
    for (path, text) in files {
        let Some(from) = module_of(path) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        for (to, line) in crate_names(&code_only(text)) {
            if to != from && known(&to) && seen.insert(to.clone()) {
                found.push(Import {
                    from: from.to_string(),
                    to,
                    file: path.to_string(),
                    line,
                });
            }
        }
    }
    found.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    found
}

/// The problem with `import`, if the table does not allow it: upward (the
/// target may itself name the importer, directly or not), disallowed
/// (sideways, or downward past what the row lists), or to a module without a
/// row. Imports made by a module without a row are not judged here: that
/// module is reported once as unknown.
fn forbidden(import: &Import, rows: &BTreeMap<&str, &Layer>) -> Option<String> {
    let row = rows.get(import.from.as_str())?;
    if row.may_name.contains(&import.to.as_str()) {
        return None;
    }
    let may_name = if row.may_name.is_empty() {
        "nothing".to_string()
    } else {
        row.may_name.join(", ")
    };
    let (kind, target) = match rows.get(import.to.as_str()) {
        None => (
            "import of a module not in the table",
            format!("crate::{}", import.to),
        ),
        Some(to) => {
            let upward = reaches(rows, to.module, row.module);
            let kind = if upward {
                "upward import"
            } else {
                "disallowed import"
            };
            (kind, format!("crate::{} [{}]", to.module, to.rank))
        }
    };
    Some(format!(
        "{kind}: {}:{} names {target} ({} [{}] may name: {may_name})",
        import.file, import.line, row.module, row.rank
    ))
}

/// Whether `from` may name `to` in the table, directly or through other rows:
/// then an import from `to` back to `from` points upward.
fn reaches(rows: &BTreeMap<&str, &Layer>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from];
    while let Some(module) = todo.pop() {
        if module == to {
            return true;
        }
        if seen.insert(module) {
            todo.extend(rows.get(module).into_iter().flat_map(|row| row.may_name));
        }
    }
    false
}

/// One line per import cycle, with one concrete loop and where each step is.
fn import_cycles(imports: &[Import]) -> Vec<String> {
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut place: BTreeMap<(&str, &str), String> = BTreeMap::new();
    for import in imports {
        let (from, to) = (import.from.as_str(), import.to.as_str());
        graph.entry(from).or_default().insert(to);
        graph.entry(to).or_default();
        place
            .entry((from, to))
            .or_insert_with(|| format!("{}:{}", import.file, import.line));
    }
    cycles(&graph)
        .into_iter()
        .map(|component| {
            let path = shortest_loop(&graph, &component);
            let steps: Vec<String> = path
                .windows(2)
                .map(|step| format!("-> {} ({})", step[1], place[&(step[0], step[1])]))
                .collect();
            format!(
                "import cycle among {}: {} {}",
                component.join(", "),
                path[0],
                steps.join(" ")
            )
        })
        .collect()
}

/// The shortest loop from the first module of `component` back to itself,
/// staying inside the component: `[a, b, a]`.
fn shortest_loop<'a>(
    graph: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    component: &[&'a str],
) -> Vec<&'a str> {
    let start = component[0];
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in &graph[node] {
            if !component.contains(&next) || came_from.contains_key(next) {
                continue;
            }
            came_from.insert(next, node);
            if next == start {
                let mut path = vec![start];
                let mut at = node;
                while at != start {
                    path.push(at);
                    at = came_from[at];
                }
                path.push(start);
                path.reverse();
                return path;
            }
            queue.push_back(next);
        }
    }
    unreachable!("a strongly connected component has a loop through each member")
}

/// The strongly connected components of `graph` that contain a cycle (more
/// than one node, or a node that names itself), each sorted, by Tarjan's
/// algorithm.
fn cycles<'a>(graph: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Vec<Vec<&'a str>> {
    struct Tarjan<'g, 'a> {
        graph: &'g BTreeMap<&'a str, BTreeSet<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        components: Vec<Vec<&'a str>>,
    }
    impl<'a> Tarjan<'_, 'a> {
        fn visit(&mut self, node: &'a str) {
            let index = self.index.len();
            self.index.insert(node, index);
            self.low.insert(node, index);
            self.stack.push(node);
            for &next in self.graph.get(node).into_iter().flatten() {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.stack.contains(&next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == index {
                let at = self.stack.iter().rposition(|&n| n == node).unwrap();
                let mut component = self.stack.split_off(at);
                component.sort_unstable();
                let names_itself = self.graph.get(node).is_some_and(|to| to.contains(node));
                if component.len() > 1 || names_itself {
                    self.components.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        components: Vec::new(),
    };
    for &node in graph.keys() {
        if !tarjan.index.contains_key(node) {
            tarjan.visit(node);
        }
    }
    tarjan.components.sort();
    tarjan.components
}

// ---------------------------------------------------------------------------
// Reading source: files, comments, literals, `crate::` paths
// ---------------------------------------------------------------------------

/// Every `.rs` file under `root/dir`, as (`dir/...` with `/` separators, text),
/// sorted by path.
fn read_tree(root: &Path, dir: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let entries = fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("reading {dir}: {e}"));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("reading {dir}: {e}"));
        let path = format!("{dir}/{}", entry.file_name().to_string_lossy());
        if entry.path().is_dir() {
            files.extend(read_tree(root, &path));
        } else if path.ends_with(".rs") {
            let text =
                fs::read_to_string(entry.path()).unwrap_or_else(|e| panic!("reading {path}: {e}"));
            files.push((path, text));
        }
    }
    files.sort();
    files
}

/// `source` with every comment and the inside of every string and char
/// literal blanked out; line breaks are kept, so line numbers still match.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut code = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let skip = match (chars[i], chars.get(i + 1)) {
            ('/', Some('/')) => Some(line_comment_end(&chars, i)),
            ('/', Some('*')) => Some(block_comment_end(&chars, i)),
            ('"', _) => Some(string_end(&chars, i)),
            ('\'', _) => char_literal_end(&chars, i),
            _ => raw_string_end(&chars, i),
        };
        match skip {
            Some(end) => {
                let blank = chars[i..end]
                    .iter()
                    .map(|&c| if c == '\n' { '\n' } else { ' ' });
                code.extend(blank);
                i = end;
            }
            None => {
                code.push(chars[i]);
                i += 1;
            }
        }
    }
    code
}

/// `//`, `///` and `//!` comments run to the end of the line.
fn line_comment_end(chars: &[char], start: usize) -> usize {
    chars[start..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(chars.len(), |n| start + n)
}

/// `/* ... */`, which nests in Rust.
fn block_comment_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('/', '*') => depth += 1,
            ('*', '/') => depth -= 1,
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
        if depth == 0 {
            return i;
        }
    }
    chars.len()
}

/// `"..."` with backslash escapes (also `b"..."` and `c"..."`: the prefix is
/// left as code).
fn string_end(chars: &[char], start: usize) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

/// `'x'` and `'\n'`, `'\''`, `'\u{..}'`; `None` for a lifetime or label such
/// as `'a` or `'static`, which is code.
fn char_literal_end(chars: &[char], start: usize) -> Option<usize> {
    match chars.get(start + 1) {
        Some('\\') => {
            let close = chars.get(start + 3..)?.iter().position(|&c| c == '\'')?;
            Some(start + 3 + close + 1)
        }
        Some(_) if chars.get(start + 2) == Some(&'\'') => Some(start + 3),
        _ => None,
    }
}

/// `r"..."`, `r#"..."#` (any number of `#`), and the same after `b` or `c`;
/// `None` if no raw string starts at `start` (`r#type` is an identifier).
fn raw_string_end(chars: &[char], start: usize) -> Option<usize> {
    if chars[start] != 'r' {
        return None;
    }
    // The `r` must start a token, or follow a `b` or `c` that does.
    let is_ident = |at: Option<usize>| at.is_some_and(|i| is_ident_char(chars[i]));
    let before = start.checked_sub(1);
    let prefix = before.filter(|&b| matches!(chars[b], 'b' | 'c'));
    if is_ident(before) && (prefix.is_none() || is_ident(prefix.and_then(|b| b.checked_sub(1)))) {
        return None;
    }
    let hashes = chars[start + 1..].iter().take_while(|&&c| c == '#').count();
    let open = start + 1 + hashes;
    if chars.get(open) != Some(&'"') {
        return None;
    }
    let mut i = open + 1;
    while i < chars.len() {
        if chars[i] == '"'
            && chars[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(chars.len())
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first segment after every `crate::` (or `$crate::`) in `code`, with its
/// line: `crate::trace::tracing()` gives `trace`; `use crate::{a::X, b};` gives
/// `a` and `b`, also when the group spans lines or nests.
fn crate_names(code: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = code.chars().collect();
    let word: Vec<char> = "crate".chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    while i + word.len() <= chars.len() {
        let is_word = chars[i..i + word.len()] == word[..]
            && !(i > 0 && is_ident_char(chars[i - 1]))
            && !chars.get(i + word.len()).is_some_and(|&c| is_ident_char(c));
        i += 1;
        if !is_word {
            continue;
        }
        let after = skip_space(&chars, i - 1 + word.len());
        if chars.get(after) == Some(&':') && chars.get(after + 1) == Some(&':') {
            path_heads(&chars, skip_space(&chars, after + 2), &mut names);
        }
    }
    names
}

/// The first segment of the path at `at`: one identifier, or for a group
/// `{...}` the first segment of each of its items.
fn path_heads(chars: &[char], at: usize, names: &mut Vec<(String, usize)>) {
    if chars.get(at) == Some(&'{') {
        let mut i = at + 1;
        loop {
            i = skip_space(chars, i);
            match chars.get(i) {
                None | Some('}') => return,
                Some(',') => i += 1,
                Some(_) => {
                    path_heads(chars, i, names);
                    i = item_end(chars, i);
                }
            }
        }
    }
    let len = chars[at.min(chars.len())..]
        .iter()
        .take_while(|&&c| is_ident_char(c))
        .count();
    if len > 0 {
        let line = chars[..at].iter().filter(|&&c| c == '\n').count() + 1;
        names.push((chars[at..at + len].iter().collect(), line));
    }
}

/// Where the group item starting at `at` ends: its `,` or the group's `}`.
fn item_end(chars: &[char], at: usize) -> usize {
    let mut depth = 0usize;
    for (i, &c) in chars.iter().enumerate().skip(at) {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            ',' if depth == 0 => return i,
            _ => {}
        }
    }
    chars.len()
}

fn skip_space(chars: &[char], at: usize) -> usize {
    at + chars
        .iter()
        .skip(at)
        .take_while(|c| c.is_whitespace())
        .count()
}

// ---------------------------------------------------------------------------
// The checker on synthetic trees
// ---------------------------------------------------------------------------

/// A small tree that keeps every layer of `LAYERS`, in the forms the checker
/// must read: grouped and inline paths, `super::`, lifetimes, literals.
fn clean_tree() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "src/lib.rs",
            "mod util;\nmod runtime;\npub use runtime::Runtime;\nuse crate::executor::Core;\n",
        ),
        ("src/util/mod.rs", "pub(crate) mod list;\n"),
        (
            "src/util/list.rs",
            "pub(crate) struct List<'a>(&'a str);\nconst SLASH: char = '/';\nconst QUOTE: char = '\"';\n",
        ),
        (
            "src/task/mod.rs",
            "mod table;\nuse crate::util::list::List;\n",
        ),
        (
            "src/task/table.rs",
            "use super::Task;\nuse crate::util::list::List;\nfn f<'a>(x: &'a str) -> &'a str { x }\n",
        ),
        ("src/timer/mod.rs", "use crate::{util::list::List};\n"),
        (
            "src/trace.rs",
            "use crate::{\n    task::TaskId,\n    timer::{Wheel, Key},\n    util,\n};\n",
        ),
        (
            "src/sync/event.rs",
            "use crate::trace;\nuse crate::util::list::List;\n",
        ),
        (
            "src/executor/mod.rs",
            "use crate::task::Task;\nfn f() { crate::trace::tracing(); let u = \"http://x\"; }\n",
        ),
        (
            "src/join.rs",
            "use crate::executor::{self, Core};\nuse crate::task::{Cancel, TaskId};\n",
        ),
        (
            "src/time/sleep.rs",
            "macro_rules! now { () => { $crate::executor::now() } }\nuse crate::timer::Wheel;\n",
        ),
        (
            "src/yield_now.rs",
            "pub struct YieldNow(bool);\nfn f() -> &'static str { r#\"crate::executor\"# }\n",
        ),
        (
            "src/runtime.rs",
            "use crate::{executor::Core, join::JoinHandle, time::sleep, trace};\nuse crate::Runtime;\n",
        ),
        ("src/wait.rs", "use crate::join::{JoinError, JoinHandle};\n"),
    ]
}

/// `clean_tree()` with the text of `path` replaced (or the file added).
fn clean_tree_with(path: &'static str, text: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut tree: Vec<_> = clean_tree()
        .into_iter()
        .filter(|(p, _)| *p != path)
        .collect();
    tree.push((path, text));
    tree
}

/// The problems of `tree` under `LAYERS`, without the import cycles: in a
/// tree this small, one upward import usually closes a cycle as well.
fn problems_besides_cycles(tree: &[(&str, &str)]) -> Vec<String> {
    let mut problems = check(LAYERS, tree);
    problems.retain(|problem| !problem.starts_with("import cycle"));
    problems
}

#[test]
fn the_layer_table_is_well_formed() {
    assert_eq!(check_table(LAYERS), Vec::<String>::new());
}

#[test]
fn a_clean_tree_passes() {
    assert_eq!(check(LAYERS, &clean_tree()), Vec::<String>::new());
}

#[test]
fn an_upward_use_fails_naming_file_and_path() {
    let tree = clean_tree_with(
        "src/task/table.rs",
        "use super::Task;\nuse crate::executor::Core;\n",
    );
    assert_eq!(
        check(LAYERS, &tree),
        [
            "upward import: src/task/table.rs:2 names crate::executor [L3] \
             (task [L1-L2] may name: util)",
            "import cycle among executor, task, trace: executor -> task (src/executor/mod.rs:1) \
             -> executor (src/task/table.rs:2)",
        ],
    );
}

#[test]
fn an_upward_inline_path_fails() {
    let tree = clean_tree_with("src/timer/mod.rs", "fn f() { crate::trace::tracing(); }\n");
    assert_eq!(
        problems_besides_cycles(&tree),
        [
            "upward import: src/timer/mod.rs:1 names crate::trace [L1] (timer [L1-L2] may name: util)"
        ],
    );
}

#[test]
fn an_upward_path_in_a_macro_fails() {
    let tree = clean_tree_with(
        "src/task/mod.rs",
        "macro_rules! m { () => { $crate::join::f() } }\n",
    );
    assert_eq!(
        problems_besides_cycles(&tree),
        ["upward import: src/task/mod.rs:1 names crate::join [L4] (task [L1-L2] may name: util)"],
    );
}

#[test]
fn an_upward_name_in_a_multi_line_group_fails() {
    let tree = clean_tree_with(
        "src/task/table.rs",
        "use crate::{\n    util::list,\n    executor::X,\n};\n",
    );
    assert_eq!(
        problems_besides_cycles(&tree),
        [
            "upward import: src/task/table.rs:3 names crate::executor [L3] \
          (task [L1-L2] may name: util)"
        ],
    );
}

#[test]
fn an_upward_name_in_a_nested_group_fails() {
    let tree = clean_tree_with(
        "src/task/table.rs",
        "use crate::{util::{list::List, x}, {executor::X}};\n",
    );
    assert_eq!(
        problems_besides_cycles(&tree),
        [
            "upward import: src/task/table.rs:1 names crate::executor [L3] \
          (task [L1-L2] may name: util)"
        ],
    );
}

#[test]
fn a_module_that_may_name_nothing_names_nothing() {
    let tree = clean_tree_with("src/yield_now.rs", "use crate::util::list::List;\n");
    assert_eq!(
        check(LAYERS, &tree),
        [
            "disallowed import: src/yield_now.rs:1 names crate::util [L0] (yield_now [L4] may name: nothing)"
        ],
    );
}

#[test]
fn comments_do_not_count() {
    let text = "//! See [`Core`](crate::executor::Core).\n\
                /// [`JoinHandle`](crate::join::JoinHandle)\n\
                // use crate::runtime::Inner;\n\
                /* crate::time /* nested */ crate::time */\n\
                use crate::util::list::List; // not crate::executor\n";
    let tree = clean_tree_with("src/task/table.rs", text);
    assert_eq!(check(LAYERS, &tree), Vec::<String>::new());
}

#[test]
fn string_and_char_literals_do_not_count() {
    let text = "const A: &str = \"crate::executor\";\n\
                const B: &str = \"http://x\"; use crate::util::list::List;\n\
                const C: &str = \"quote \\\" crate::join\";\n\
                const D: &str = r#\"a \" crate::runtime\"#;\n\
                const E: &[u8] = br\"crate::time\";\n\
                const F: char = '\"'; const G: char = '\\''; fn g<'a>(x: &'a str) {}\n";
    let tree = clean_tree_with("src/task/table.rs", text);
    assert_eq!(check(LAYERS, &tree), Vec::<String>::new());
}

#[test]
fn code_after_a_string_with_slashes_still_counts() {
    let tree = clean_tree_with(
        "src/task/table.rs",
        "const U: &str = \"http://x\"; use crate::executor::X;\n",
    );
    assert_eq!(
        problems_besides_cycles(&tree),
        [
            "upward import: src/task/table.rs:1 names crate::executor [L3] \
          (task [L1-L2] may name: util)"
        ],
    );
}

#[test]
fn a_cycle_in_a_permissive_table_is_reported() {
    let permissive = &[layer("a", "L?", &["b"]), layer("b", "L?", &["a"])];
    let tree = [
        ("src/a.rs", "use crate::b::B;\npub struct A;\n"),
        ("src/b/mod.rs", "pub struct B;\nfn f() { crate::a::A; }\n"),
    ];
    assert_eq!(
        check(permissive, &tree),
        [
            "layer table: not acyclic, a, b may name each other in a cycle",
            "import cycle among a, b: a -> b (src/a.rs:1) -> a (src/b/mod.rs:2)",
        ],
    );
}

#[test]
fn a_table_naming_a_missing_row_is_reported() {
    let table = &[layer("a", "L0", &["util"])];
    assert_eq!(
        check_table(table),
        ["layer table: `a` may name `util`, which has no row in the table"],
    );
}

#[test]
fn an_unknown_module_is_reported() {
    // `net` was this test's example until it got its row; `http` has none.
    let tree = clean_tree_with("src/http/client.rs", "use crate::util::list::List;\n");
    assert_eq!(
        check(LAYERS, &tree),
        [
            "unknown module: src/http/ is top-level module `http`, which the layer table does \
          not list; add it to the layer table in tests/layers.rs"
        ],
    );
}

#[test]
fn naming_an_unknown_module_is_reported_too() {
    let mut tree = clean_tree_with("src/wait.rs", "use crate::context::Context;\n");
    tree.push(("src/context.rs", "pub struct Context;\n"));
    assert_eq!(
        check(LAYERS, &tree),
        [
            "unknown module: src/context.rs is top-level module `context`, which the layer \
             table does not list; add it to the layer table in tests/layers.rs",
            "import of a module not in the table: src/wait.rs:1 names crate::context \
             (wait [L5] may name: util, join)",
        ],
    );
}
