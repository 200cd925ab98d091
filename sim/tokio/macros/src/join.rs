//! `join!` and `try_join!`: every future is polled in the calling task, in
//! a rotating order (top to bottom with `biased;`), as tokio does.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Token};

struct Input {
    krate: TokenStream,
    is_try: bool,
    biased: bool,
    futures: Vec<Expr>,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Input> {
        let content;
        syn::parenthesized!(content in input);
        let krate: TokenStream = content.parse()?;
        let kind: Ident = input.parse()?;
        let is_try = kind == "try_join";
        let mut biased = false;
        if input.peek(syn::Ident) && input.peek2(Token![;]) {
            let word: Ident = input.parse()?;
            if word != "biased" {
                return Err(syn::Error::new(
                    word.span(),
                    "expected `biased;` or a future",
                ));
            }
            input.parse::<Token![;]>()?;
            biased = true;
        }
        let futures = Punctuated::<Expr, Token![,]>::parse_terminated(input)?
            .into_iter()
            .collect();
        Ok(Input {
            krate,
            is_try,
            biased,
            futures,
        })
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    match syn::parse2::<Input>(input) {
        Ok(input) => generate(&input),
        Err(e) => e.into_compile_error(),
    }
}

fn generate(input: &Input) -> TokenStream {
    let krate = &input.krate;
    let n = input.futures.len() as u32;
    if n == 0 {
        return if input.is_try {
            quote! { ::core::result::Result::Ok(()) }
        } else {
            quote! { () }
        };
    }
    let futs: Vec<Ident> = (0..n).map(|i| format_ident!("__join_fut_{}", i)).collect();
    let decls = input.futures.iter().zip(&futs).map(|(e, f)| {
        quote! {
            let mut #f = ::core::pin::pin!(#krate::__private::maybe_done(
                ::core::future::IntoFuture::into_future(#e)
            ));
        }
    });
    let arms = futs.iter().enumerate().map(|(i, f)| {
        let index = i as u32;
        let on_ready = if input.is_try {
            quote! {
                if ::core::matches!(#f.as_mut().output_mut(), ::core::option::Option::Some(::core::result::Result::Err(_))) {
                    let err = #f.as_mut().take_output().and_then(|r| r.err())
                        .expect("checked to be an error");
                    return #krate::__private::Poll::Ready(::core::result::Result::Err(err));
                }
            }
        } else {
            quote! {}
        };
        quote! {
            #index => {
                if ::core::future::Future::poll(#f.as_mut(), cx).is_pending() {
                    done = false;
                } else {
                    #on_ready
                }
            }
        }
    });
    let outputs = futs.iter().map(|f| {
        if input.is_try {
            quote! { #f.as_mut().take_output().and_then(|r| r.ok()).expect("joined output") }
        } else {
            quote! { #f.as_mut().take_output().expect("joined output") }
        }
    });
    let ready = if input.is_try {
        quote! { ::core::result::Result::Ok((#(#outputs,)*)) }
    } else {
        quote! { (#(#outputs,)*) }
    };
    let start = if input.biased {
        quote! { 0u32 }
    } else {
        quote! {{
            let s = __join_next_start;
            __join_next_start = #krate::__private::wrap(__join_next_start + 1, #n);
            s
        }}
    };
    quote! {{
        #(#decls)*
        let mut __join_next_start: u32 = 0;
        #krate::__private::poll_fn(|cx| {
            let mut done = true;
            let start: u32 = #start;
            for i in 0..#n {
                match #krate::__private::wrap(start + i, #n) {
                    #(#arms)*
                    _ => ::core::unreachable!(),
                }
            }
            if done {
                #krate::__private::Poll::Ready(#ready)
            } else {
                #krate::__private::Poll::Pending
            }
        })
        .await
    }}
}
