use kure::yaml::{parse, Limits, NodeKind};
fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let s = parse(&text, Limits::default());
    for e in &s.errors { println!("ERR {} {}", e.offset, e.message); }
    for d in &s.documents {
        for (i, n) in d.nodes.iter().enumerate() {
            let kind = match &n.kind { NodeKind::Scalar{style, ..} => format!("scalar {style:?}"), NodeKind::Map{flow,..} => format!("map flow={flow}"), NodeKind::Seq{flow,..} => format!("seq flow={flow}"), NodeKind::Alias{..} => "alias".into() };
            println!("{i} {kind} {:?} {:?}", n.span, &text[n.span.start..n.span.end]);
        }
    }
}
