//! `#[looplet::main]` and `#[looplet::test]`: an `async fn` run on a
//! looplet runtime, as tokio's attributes do for tokio. Use them through
//! `looplet` with its `macros` feature, not from this crate directly.
//!
//! Each attribute turns
//!
//! ```text
//! #[looplet::test(start_paused = true)]
//! async fn name() -> R { body }
//! ```
//!
//! into a plain `fn name() -> R` that builds a runtime
//! (`looplet::Builder::new()`, so `LOOPLET_TRACE` and `LOOPLET_SHUFFLE`
//! work) and `block_on`s the body; `#[looplet::test]` adds `#[test]`. With
//! `explore = N` the body runs under `looplet::explore(0..N, ...)`: once
//! per seed, paused and shuffled, the first failing seed named.
//!
//! The expansion works on `proc_macro2` tokens (`expand`), so the unit
//! tests below check it, wrong uses included, without a compiler.
//!
//! Read next: `looplet::explore` and `docs/10-testing-schedules.md`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, Meta, Token};

/// Runs an `async fn main` on a looplet runtime: `looplet::run(main())`.
///
/// Options: `start_paused = true` (the virtual clock), `explore = N` (run
/// the body under `N` shuffled schedules, seeds `0..N`; the body must
/// return `()`).
///
/// ```
/// #[looplet::main]
/// async fn main() {
///     let task = looplet::spawn(async { 40 });
///     assert_eq!(task.await.unwrap() + 2, 42);
/// }
/// ```
#[proc_macro_attribute]
pub fn main(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    expand(Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a looplet runtime, as a `#[test]`.
///
/// Options: `start_paused = true` (the virtual clock), `explore = N` (run
/// the body once per seed `0..N` on a paused, shuffled runtime, and name
/// the first seed that fails; the body must return `()`).
///
/// ```
/// #[looplet::test(start_paused = true)]
/// async fn an_hour_takes_no_time() {
///     let start = looplet::now();
///     looplet::sleep(std::time::Duration::from_secs(3600)).await;
///     assert_eq!(looplet::now() - start, std::time::Duration::from_secs(3600));
/// }
///
/// #[looplet::test(explore = 20)]
/// async fn both_tasks_run_under_every_schedule() {
///     let a = looplet::spawn(async { 1 });
///     let b = looplet::spawn(async { 2 });
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    expand(Kind::Test, args.into(), item.into()).into()
}

/// Which attribute is being expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `#[looplet::main]`.
    Main,
    /// `#[looplet::test]`.
    Test,
}

impl Kind {
    /// The attribute as a user writes it, for messages.
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "#[looplet::main]",
            Kind::Test => "#[looplet::test]",
        }
    }
}

/// The options an attribute was given.
#[derive(Debug, Default)]
struct Options {
    /// `start_paused = true`.
    start_paused: bool,
    /// `explore = N`.
    explore: Option<u64>,
}

/// The expansion, or the compile errors that explain a wrong use.
fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    match try_expand(kind, args, item.clone()) {
        Ok(tokens) => tokens,
        // Keep the item too, so the user sees only our error, not a cascade
        // of "cannot find function" ones.
        Err(error) => {
            let error = error.to_compile_error();
            quote! { #error #item }
        }
    }
}

/// The expansion of a correct use.
fn try_expand(kind: Kind, args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options = parse_options(kind, args)?;
    let function: ItemFn = syn::parse2(item)?;
    let signature = &function.sig;
    if signature.asyncness.is_none() {
        return Err(syn::Error::new(
            signature.fn_token.span(),
            format!(
                "`{}` goes on an `async fn`; add `async` before `fn`",
                kind.name()
            ),
        ));
    }
    if !signature.inputs.is_empty() {
        return Err(syn::Error::new(
            signature.inputs.span(),
            format!("`{}` functions take no arguments", kind.name()),
        ));
    }
    if kind == Kind::Main && signature.ident != "main" {
        return Err(syn::Error::new(
            signature.ident.span(),
            "`#[looplet::main]` goes on `async fn main`; for other functions call `looplet::run`",
        ));
    }
    let attrs = &function.attrs;
    let vis = &function.vis;
    let ident = &signature.ident;
    let output = &signature.output;
    let body = &function.block;
    let test_attr = match kind {
        Kind::Test => quote! { #[::core::prelude::v1::test] },
        Kind::Main => quote! {},
    };
    let run = match options.explore {
        Some(seeds) => {
            if !matches!(output, syn::ReturnType::Default) {
                return Err(syn::Error::new(
                    output.span(),
                    "`explore = N` runs the body once per seed and keeps no result; \
                     return `()` and assert inside",
                ));
            }
            quote_spanned! {Span::call_site()=>
                ::looplet::explore(0..#seeds, || async #body);
            }
        }
        None => {
            let paused = options.start_paused;
            quote_spanned! {Span::call_site()=>
                ::looplet::Builder::new()
                    .start_paused(#paused)
                    .build()
                    .block_on(async #body)
            }
        }
    };
    Ok(quote! {
        #test_attr
        #(#attrs)*
        #vis fn #ident() #output {
            #run
        }
    })
}

/// Reads `start_paused = true, explore = 100`.
fn parse_options(kind: Kind, args: TokenStream) -> syn::Result<Options> {
    let mut options = Options::default();
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
    for meta in metas {
        let Meta::NameValue(pair) = &meta else {
            return Err(unknown(kind, meta.span()));
        };
        let name = pair.path.get_ident().map(ToString::to_string);
        match (name.as_deref(), &pair.value) {
            (
                Some("start_paused"),
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(value),
                    ..
                }),
            ) => options.start_paused = value.value,
            (Some("start_paused"), value) => {
                return Err(syn::Error::new(
                    value.span(),
                    "`start_paused` takes `true` or `false`",
                ));
            }
            (
                Some("explore"),
                Expr::Lit(ExprLit {
                    lit: Lit::Int(value),
                    ..
                }),
            ) => {
                let seeds: u64 = value.base10_parse()?;
                if seeds == 0 {
                    return Err(syn::Error::new(
                        value.span(),
                        "`explore = 0` would run nothing; give the number of seeds, such as `explore = 100`",
                    ));
                }
                options.explore = Some(seeds);
            }
            (Some("explore"), value) => {
                return Err(syn::Error::new(
                    value.span(),
                    "`explore` takes a number of seeds, such as `explore = 100`",
                ));
            }
            _ => return Err(unknown(kind, pair.path.span())),
        }
    }
    Ok(options)
}

/// The error for an option the attribute does not know.
fn unknown(kind: Kind, span: Span) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "unknown option of `{}`; it takes `start_paused = true` and `explore = N`",
            kind.name()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::{Kind, expand};

    fn expanded(kind: Kind, args: &str, item: &str) -> String {
        expand(kind, args.parse().unwrap(), item.parse().unwrap()).to_string()
    }

    // The crate's own `test` attribute shadows the prelude's here.
    #[::core::prelude::v1::test]
    fn a_test_becomes_a_plain_test_fn_on_a_runtime() {
        let out = expanded(
            Kind::Test,
            "start_paused = true",
            "async fn t() { body(); }",
        );
        assert!(
            out.contains("# [:: core :: prelude :: v1 :: test]"),
            "{out}"
        );
        assert!(out.contains("fn t ()"), "{out}");
        assert!(out.contains(":: looplet :: Builder :: new ()"), "{out}");
        assert!(out.contains(". start_paused (true)"), "{out}");
        assert!(!out.contains("async fn"), "{out}");
    }

    #[::core::prelude::v1::test]
    fn main_keeps_its_return_type_and_is_not_a_test() {
        let out = expanded(
            Kind::Main,
            "",
            "async fn main() -> Result<(), String> { Ok(()) }",
        );
        assert!(
            out.contains("fn main () -> Result < () , String >"),
            "{out}"
        );
        assert!(out.contains(". start_paused (false)"), "{out}");
        assert!(!out.contains("test"), "{out}");
    }

    #[::core::prelude::v1::test]
    fn explore_runs_the_body_per_seed() {
        let out = expanded(Kind::Test, "explore = 50", "async fn t() {}");
        assert!(out.contains(":: looplet :: explore (0 .. 50u64"), "{out}");
    }

    #[::core::prelude::v1::test]
    fn wrong_uses_get_clear_errors() {
        for (kind, args, item, message) in [
            (
                Kind::Test,
                "",
                "fn t() {}",
                "`#[looplet::test]` goes on an `async fn`; add `async` before `fn`",
            ),
            (
                Kind::Test,
                "paused = true",
                "async fn t() {}",
                "unknown option of `#[looplet::test]`; it takes `start_paused = true` and `explore = N`",
            ),
            (
                Kind::Main,
                "flavor",
                "async fn main() {}",
                "unknown option of `#[looplet::main]`",
            ),
            (
                Kind::Test,
                "start_paused = 1",
                "async fn t() {}",
                "`start_paused` takes `true` or `false`",
            ),
            (
                Kind::Test,
                "explore = \"many\"",
                "async fn t() {}",
                "`explore` takes a number of seeds",
            ),
            (
                Kind::Test,
                "explore = 0",
                "async fn t() {}",
                "`explore = 0` would run nothing",
            ),
            (
                Kind::Test,
                "explore = 3",
                "async fn t() -> u32 { 1 }",
                "return `()` and assert inside",
            ),
            (
                Kind::Test,
                "",
                "async fn t(x: u32) {}",
                "`#[looplet::test]` functions take no arguments",
            ),
            (
                Kind::Main,
                "",
                "async fn start() {}",
                "`#[looplet::main]` goes on `async fn main`",
            ),
        ] {
            let out = expanded(kind, args, item);
            assert!(out.contains("compile_error"), "{args} {item}: {out}");
            assert!(out.contains(message), "{args} {item}: {out}");
        }
    }
}
