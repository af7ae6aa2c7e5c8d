# demo-state.sh - the domains, mailboxes and addresses postern manages in the
# demo lab, created through the postern CLI and applied (so the Domains,
# Mailboxes and Addresses screens have something real to show). Sourced by
# scripts/demo; run once per lab. Every mailbox password is "secret".

# demo_state BIN CONFIG - create the state and apply it.
demo_state() {
    local bin=$1 cfg=$2
    local -a p=("$bin" --config "$cfg")
    local m
    "${p[@]}" domain add example.org --bcc archive@example.org >/dev/null
    "${p[@]}" domain add example.net >/dev/null
    "${p[@]}" domain add branch.example --relay "127.0.0.1:${LAB_REMOTE_PORT}" >/dev/null
    for m in archive@example.org erin@example.org frank@example.org grace@example.org \
             info@example.net heidi@example.net; do
        printf 'secret\n' | "${p[@]}" mailbox add "$m" --password-stdin >/dev/null
    done
    "${p[@]}" domain edit example.net --catch-all info@example.net >/dev/null
    printf 'secret\n' | "${p[@]}" mailbox add ivan@example.org --password-stdin \
        --forward ivan.home@remote.example --keep-copy --quota 50M >/dev/null
    "${p[@]}" group add sales@example.org --member erin@example.org --member frank@example.org \
        >/dev/null
    "${p[@]}" public add Announcements-Demo --owner group:sales@example.org >/dev/null
    "${p[@]}" address add 'webmaster@*' --to user:grace@example.org >/dev/null
    "${p[@]}" address add orders@example.org --to group:sales@example.org \
        --to external:orders@partner.example >/dev/null
    "${p[@]}" address add staff@example.org --to group:sales@example.org \
        --to user:grace@example.org --internal >/dev/null
    "${p[@]}" address add news@example.org --to public:Announcements-Demo >/dev/null
    "${p[@]}" setting set mailbox.default_quota 1G >/dev/null
    "${p[@]}" apply --quiet --note "demo state" >/dev/null
}
