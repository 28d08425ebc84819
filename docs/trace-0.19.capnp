# The v0 trace format of the 0.19 dialect (DIALECT-0.19.md section 2 and 3):
# docs/trace.capnp with the 16-byte / 2-pointer RValue (six kinds) and the
# thread events (tags 21-23, a UInt64 ThreadId). A 0.14 file decodes with it
# too (Cap'n Proto's compatible growth):
#   tail -c +9 trace.bin | capnp decode --packed docs/trace-0.19.capnp Trace
# prints the same text for ours and for the 0.19 crates' files
# (tests/test_dialect.c checks it).

@0xb7c3a1d2e4f50619;

struct Trace {
  events @0 :List(TraceLowLevelEvent);
}

struct TraceLowLevelEvent {
  union {
    step @0 :StepRecord;
    path @1 :PathBuf;
    variableName @2 :Text;
    variable @3 :Text;
    type @4 :TypeRecord;
    value @5 :FullValueRecord;
    function @6 :FunctionRecord;
    call @7 :CallRecord;
    return @8 :ReturnRecord;
    event @9 :RecordEvent;
    asm @10 :List(Text);
    bindVariable @11 :BindVariableRecord;
    assignment @12 :AssignmentRecord;
    dropVariables @13 :List(VariableId);
    compoundValue @14 :CompoundValueRecord;
    cellValue @15 :CellValueRecord;
    assignCompoundItem @16 :AssignCompoundItemRecord;
    assignCell @17 :AssignCellRecord;
    variableCell @18 :VariableCellRecord;
    dropVariable @19 :VariableId;
    dropLastStep @20 :Void;
    threadStart @21 :ThreadId;
    threadExit @22 :ThreadId;
    threadSwitch @23 :ThreadId;
  }
}

struct PathId { i @0 :Int64; }
struct FunctionId { i @0 :Int64; }
struct TypeId { i @0 :Int64; }
struct VariableId { i @0 :Int64; }
struct Line { l @0 :Int64; }
struct Place { p @0 :Int64; }

struct PathBuf { p @0 :Text; }

struct StepRecord {
  pathId @0 :PathId;
  line @1 :Line;
}

struct FunctionRecord {
  pathId @0 :PathId;
  line @1 :Line;
  name @2 :Text;
}

struct CallRecord {
  functionId @0 :FunctionId;
  args @1 :List(FullValueRecord);
}

struct ReturnRecord {
  returnValue @0 :ValueRecord;
}

struct FullValueRecord {
  variableId @0 :VariableId;
  value @1 :ValueRecord;
}

# v0 numbers differ from JSON/CBOR: map by name.
enum EventLogKind {
  write @0;
  writeFile @1;
  read @2;
  readFile @3;
  readDir @4;
  openDir @5;
  closeDir @6;
  socket @7;
  open @8;
  error @9;
  traceLogEvent @10;
  writeOther @11;
  readOther @12;
  evmEvent @13;
}

struct RecordEvent {
  kind @0 :EventLogKind;
  content @1 :Text;
  metadata @2 :Text;
}

enum TypeKind {
  seq @0;
  set @1;
  hashSet @2;
  orderedSet @3;
  array @4;
  varargs @5;
  struct @6;
  int @7;
  float @8;
  string @9;
  cstring @10;
  char @11;
  bool @12;
  literal @13;
  ref @14;
  recursion @15;
  raw @16;
  enum @17;
  enum16 @18;
  enum32 @19;
  c @20;
  tableKind @21;
  union @22;
  pointer @23;
  error @24;
  functionKind @25;
  typeValue @26;
  tuple @27;
  variant @28;
  html @29;
  none @30;
  nonExpanded @31;
  any @32;
  slice @33;
}

struct TypeRecord {
  kind @0 :TypeKind;
  langType @1 :Text;
  specificInfo @2 :TypeSpecificInfo;
}

struct TypeSpecificInfo {
  union {
    none @0 :Void;
    struct :group {
      fields @1 :List(FieldTypeRecord);
    }
    pointer :group {
      dereferenceTypeId @2 :TypeId;
    }
  }
}

struct FieldTypeRecord {
  name @0 :Text;
  typeId @1 :TypeId;
}

struct BindVariableRecord {
  variableId @0 :VariableId;
  place @1 :Place;
}

struct VariableCellRecord {
  variableId @0 :VariableId;
  place @1 :Place;
}

enum PassBy {
  value @0;
  reference @1;
}

struct RValue {
  union {
    simple @0 :VariableId;
    compound @1 :List(VariableId);
    literal @2 :Void;
    fieldAccess :group { receiver @3 :VariableId; field @4 :Text; }
    indexAccess :group { rxReceiver @5 :VariableId; rxIndex @6 :Int64; }
    functionReturn :group { callKey @7 :Int64; }
  }
}

struct ThreadId {
  i @0 :UInt64;
}

struct AssignmentRecord {
  to @0 :VariableId;
  passBy @1 :PassBy;
  from @2 :RValue;
}

struct CompoundValueRecord {
  place @0 :Place;
  value @1 :ValueRecord;
}

struct CellValueRecord {
  place @0 :Place;
  value @1 :ValueRecord;
}

struct AssignCompoundItemRecord {
  place @0 :Place;
  index @1 :Int64;
  itemPlace @2 :Place;
}

struct AssignCellRecord {
  place @0 :Place;
  newValue @1 :ValueRecord;
}

struct ValueRecord {
  union {
    int :group {
      i @0 :Int64;
      typeId @1 :TypeId;
    }
    float :group {
      f @2 :Float64;
      typeId @3 :TypeId;
    }
    bool :group {
      b @4 :Bool;
      typeId @5 :TypeId;
    }
    string :group {
      text @6 :Text;
      typeId @7 :TypeId;
    }
    sequence :group {
      elements @8 :List(ValueRecord);
      isSlice @9 :Bool;
      typeId @10 :TypeId;
    }
    tuple :group {
      elements @11 :List(ValueRecord);
      typeId @12 :TypeId;
    }
    struct :group {
      fieldValues @13 :List(ValueRecord);
      typeId @14 :TypeId;
    }
    variant :group {
      discriminator @15 :Text;
      contents @16 :ValueRecord;
      typeId @17 :TypeId;
    }
    reference :group {
      dereferenced @18 :ValueRecord;
      mutable @19 :Bool;
      typeId @20 :TypeId;
      address @21 :UInt64;
    }
    raw :group {
      r @22 :Text;
      typeId @23 :TypeId;
    }
    error :group {
      msg @24 :Text;
      typeId @25 :TypeId;
    }
    none :group {
      typeId @26 :TypeId;
    }
    cell :group {
      place @27 :Place;
    }
    bigint :group {
      b @28 :List(UInt8);
      negative @29 :Bool;
      typeId @30 :TypeId;
    }
  }
}
