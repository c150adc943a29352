-- Workspace schema. Raw observations are kept per import (so one import can be undone);
-- people, groups and memberships are derived from them by core/identity.py after every change.

create sequence if not exists seq_import start 1;
create sequence if not exists seq_account start 1;

create table if not exists meta (
    key   varchar primary key,
    value varchar
);

create table if not exists imports (
    id          integer primary key,
    file_name   varchar not null,
    sha256      varchar not null,
    format      varchar not null,
    kind        varchar not null,
    platform    varchar,
    rows        bigint not null,
    loaded      bigint not null,
    duplicates  bigint not null,
    rejected    bigint not null,
    imported_at timestamptz not null,
    group_name  varchar,
    warnings    varchar[]
);

create table if not exists rejects (
    import_id integer not null,
    line      bigint,
    reason    varchar not null,
    raw       varchar
);

-- What was done to this workspace and when: imports (failed ones too), undos, exports and
-- settings changes. Kept apart from the rows it describes, so undoing an import keeps its record.
create sequence if not exists seq_audit start 1;
create table if not exists audit (
    id        integer primary key default nextval('seq_audit'),
    logged_at timestamptz not null default now(),
    action    varchar not null,   -- import, import_failed, undo, export, settings
    detail    varchar not null,   -- one Chinese line, shown as is in the log table
    sha256    varchar,            -- of the imported or exported file
    import_id integer
);

-- Every identity seen in a file: a person or group account, keyed by platform id or by name.
create table if not exists accounts (
    id       integer primary key,
    kind     varchar not null,          -- person | group
    key      varchar not null,          -- 'wechat:wxid_…', 'qq:123', 'wecom:userid', 'name:王小明'
    platform varchar,
    unique (kind, key)
);

-- Names an account was seen under (rank 0: directory/contacts remark, 1: roster or sender name,
-- 2: nickname/alias, 3: handle), with the unit hint the name carried (党建办-王小明).
create table if not exists account_names (
    import_id  integer not null,
    account_id integer not null,
    name       varchar not null,
    norm       varchar not null,
    unit_hint  varchar,
    rank       integer not null,
    platform   varchar                  -- platform of the file the name was seen in
);

create table if not exists person_facts (
    import_id  integer not null,
    line       bigint,
    account_id integer not null,
    unit       varchar,
    position   varchar,
    is_leader  boolean
);

create table if not exists group_facts (
    import_id        integer not null,
    line             bigint,
    account_id       integer not null,
    platform         varchar,
    owner_account_id integer,
    unit             varchar,
    category         varchar,
    emergency        boolean,
    created_at       timestamptz,
    notes            varchar
);

create table if not exists member_facts (
    import_id          integer not null,
    line               bigint,
    group_account_id   integer not null,
    person_account_id  integer not null,
    role               varchar not null,
    joined_at          timestamptz,
    unit               varchar,
    position           varchar
);

create table if not exists messages (
    import_id         integer not null,
    line              bigint,
    group_account_id  integer not null,
    sender_account_id integer,
    sent_at           timestamptz not null,
    sent_local        timestamp not null,   -- wall-clock time in the workspace zone
    kind              varchar not null,
    raw_type          varchar,
    text              varchar,
    mentions          varchar[],
    msg_id            varchar,
    norm_hash         ubigint,              -- hash of the normalised text (duplicate notices)
    norm_len          integer,              -- length of the normalised text
    category          varchar not null
);

-- Derived tables, rebuilt by core/identity.py.
create table if not exists people (
    id           integer primary key,
    key          varchar not null,
    display_name varchar not null,
    unit         varchar,
    position     varchar,
    is_leader    boolean not null,
    in_directory boolean not null
);
create table if not exists person_map (account_id integer primary key, person_id integer not null);
create table if not exists groups (
    id            integer primary key,
    key           varchar not null,
    name          varchar not null,
    platform      varchar,
    platform_id   varchar,
    owner_id      integer,
    owner_name    varchar,
    unit          varchar,
    category      varchar,
    emergency     boolean not null,
    created_at    timestamptz,
    notes         varchar
);
create table if not exists group_map (account_id integer primary key, group_id integer not null);
create table if not exists memberships (
    group_id  integer not null,
    person_id integer not null,
    role      varchar not null,
    joined_at timestamptz,
    source    varchar
);
-- Names claimed by two different platform accounts: kept apart, shown for a person to confirm.
create table if not exists identity_review (
    norm        varchar not null,
    account_key varchar not null,
    names       varchar,
    reason      varchar not null
);
