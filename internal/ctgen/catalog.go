package ctgen

import (
	"math/rand/v2"
	"strconv"
)

// api is one management call the corpus uses for ordinary traffic.
type api struct {
	svc    string // service prefix: "s3" → s3.amazonaws.com
	name   string
	ro     bool
	weight int
	req    func(w *jw, r *rand.Rand, c *callCtx) // nil: requestParameters null
	resp   func(w *jw, r *rand.Rand, c *callCtx) // nil: responseElements null
	errs   []string                              // service-specific error codes besides AccessDenied
}

// callCtx is what a request/response writer may use.
type callCtx struct {
	acct, region string
	t            int64
}

var buckets = []string{"acme-prod-artifacts", "acme-data-lake-raw", "acme-logs-archive", "acme-terraform-state", "acme-web-assets", "acme-backups-eu"}
var tables = []string{"orders", "customers", "sessions", "inventory-v2", "audit-events"}
var functions = []string{"orders-handler", "thumbnailer", "nightly-report", "auth-authorizer", "etl-dispatch"}
var logGroups = []string{"/aws/lambda/orders-handler", "/aws/lambda/thumbnailer", "/ecs/api", "/aws/rds/instance/prod-db/postgresql", "/var/log/messages"}

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func instanceID(r *rand.Rand) string { return "i-0" + hex(r, 16) }

func kmsKeyARN(r *rand.Rand, c *callCtx) string {
	return "arn:aws:kms:" + c.region + ":" + c.acct + ":key/" + uuid(r)
}

func encCtx(w *jw, r *rand.Rand, c *callCtx) {
	w.obj("encryptionContext")
	w.str("aws:lambda:FunctionArn", "arn:aws:lambda:"+c.region+":"+c.acct+":function:"+pick(r, functions))
	w.end()
}

var catalog = []api{
	{svc: "s3", name: "ListBuckets", ro: true, weight: 6, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("Host", "s3.amazonaws.com")
	}},
	{svc: "s3", name: "GetBucketAcl", ro: true, weight: 4, req: func(w *jw, r *rand.Rand, c *callCtx) {
		b := pick(r, buckets)
		w.str("bucketName", b)
		w.str("Host", b+".s3."+c.region+".amazonaws.com")
		w.str("acl", "")
	}},
	{svc: "s3", name: "GetBucketPolicy", ro: true, weight: 3, errs: []string{"NoSuchBucketPolicy"}, req: func(w *jw, r *rand.Rand, c *callCtx) {
		b := pick(r, buckets)
		w.str("bucketName", b)
		w.str("Host", b+".s3."+c.region+".amazonaws.com")
		w.str("policy", "")
	}},
	{svc: "s3", name: "PutBucketTagging", weight: 1, req: func(w *jw, r *rand.Rand, c *callCtx) {
		b := pick(r, buckets)
		w.str("bucketName", b)
		w.str("Host", b+".s3."+c.region+".amazonaws.com")
		w.obj("Tagging")
		w.str("xmlns", "http://s3.amazonaws.com/doc/2006-03-01/")
		w.obj("TagSet")
		w.arr("Tag")
		for i, k := range []string{"team", "cost-center", "env"} {
			w.elemObj()
			w.str("Key", k)
			w.str("Value", []string{"platform", "cc-" + strconv.Itoa(1000+r.IntN(9000)), "prod"}[i])
			w.end()
		}
		w.endArr()
		w.end()
		w.end()
		w.str("tagging", "")
	}},
	{svc: "ec2", name: "DescribeInstances", ro: true, weight: 8, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.obj("instancesSet")
		w.arr("items")
		for i := 0; i < 1+r.IntN(3); i++ {
			w.elemObj()
			w.str("instanceId", instanceID(r))
			w.end()
		}
		w.endArr()
		w.end()
		w.obj("filterSet")
		w.arr("items")
		w.elemObj()
		w.str("name", "instance-state-name")
		w.obj("valueSet")
		w.arr("items")
		w.elemObj()
		w.str("value", "running")
		w.end()
		w.elemObj()
		w.str("value", "pending")
		w.end()
		w.endArr()
		w.end()
		w.end()
		w.endArr()
		w.end()
	}},
	{svc: "ec2", name: "DescribeSecurityGroups", ro: true, weight: 4, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.obj("securityGroupSet")
		w.end()
		w.obj("securityGroupIdSet")
		w.arr("items")
		w.elemObj()
		w.str("groupId", "sg-0"+hex(r, 16))
		w.end()
		w.endArr()
		w.end()
		w.obj("filterSet")
		w.end()
	}},
	{svc: "ec2", name: "DescribeVolumes", ro: true, weight: 3, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.obj("volumeSet")
		w.end()
		w.obj("filterSet")
		w.arr("items")
		w.elemObj()
		w.str("name", "attachment.instance-id")
		w.obj("valueSet")
		w.arr("items")
		w.elemObj()
		w.str("value", instanceID(r))
		w.end()
		w.endArr()
		w.end()
		w.end()
		w.endArr()
		w.end()
		w.num("maxResults", 500)
	}},
	{svc: "ec2", name: "CreateTags", weight: 1, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.obj("resourcesSet")
		w.arr("items")
		w.elemObj()
		w.str("resourceId", instanceID(r))
		w.end()
		w.endArr()
		w.end()
		w.obj("tagSet")
		w.arr("items")
		w.elemObj()
		w.str("key", "Name")
		w.str("value", "web-"+hex(r, 6))
		w.end()
		w.endArr()
		w.end()
	}, resp: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("requestId", uuid(r))
		w.boolean("_return", true)
	}},
	{svc: "iam", name: "ListUsers", ro: true, weight: 2, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.num("maxItems", 100)
	}},
	{svc: "iam", name: "GetUser", ro: true, weight: 2, errs: []string{"NoSuchEntityException"}, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("userName", pick(r, userNames))
	}},
	{svc: "iam", name: "ListAccessKeys", ro: true, weight: 2, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("userName", pick(r, userNames))
	}},
	{svc: "iam", name: "ListRoles", ro: true, weight: 2, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("pathPrefix", "/")
		w.num("maxItems", 1000)
	}},
	{svc: "iam", name: "GetRole", ro: true, weight: 2, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("roleName", pick(r, []string{"deploy", "app-reader", "AdminRole", "lambda-exec-orders"}))
	}},
	{svc: "lambda", name: "ListFunctions20150331", ro: true, weight: 2, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("functionVersion", "ALL")
		w.num("maxItems", 50)
	}},
	{svc: "lambda", name: "GetFunction20150331v2", ro: true, weight: 2, errs: []string{"ResourceNotFoundException"}, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("functionName", "arn:aws:lambda:"+c.region+":"+c.acct+":function:"+pick(r, functions))
	}},
	{svc: "lambda", name: "UpdateFunctionConfiguration20150331v2", weight: 1, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("functionName", pick(r, functions))
		w.num("timeout", int64(3+r.IntN(300)))
		w.num("memorySize", int64(128<<r.IntN(4)))
	}, resp: func(w *jw, r *rand.Rand, c *callCtx) {
		f := pick(r, functions)
		w.str("functionName", f)
		w.str("functionArn", "arn:aws:lambda:"+c.region+":"+c.acct+":function:"+f)
		w.str("runtime", "python3.12")
		w.str("role", "arn:aws:iam::"+c.acct+":role/service-role/lambda-exec-orders")
		w.str("handler", "app.handler")
		w.num("codeSize", int64(10000+r.IntN(5000000)))
		w.str("state", "Active")
		w.str("lastUpdateStatus", "InProgress")
		w.str("revisionId", uuid(r))
	}},
	{svc: "dynamodb", name: "DescribeTable", ro: true, weight: 3, errs: []string{"ResourceNotFoundException"}, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("tableName", pick(r, tables))
	}},
	{svc: "dynamodb", name: "ListTables", ro: true, weight: 1, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.num("limit", 100)
	}},
	{svc: "kms", name: "Decrypt", ro: true, weight: 6, req: func(w *jw, r *rand.Rand, c *callCtx) {
		encCtx(w, r, c)
		w.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
	}},
	{svc: "kms", name: "GenerateDataKey", ro: true, weight: 4, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("keyId", kmsKeyARN(r, c))
		w.str("keySpec", "AES_256")
		w.obj("encryptionContext")
		w.str("aws:s3:arn", "arn:aws:s3:::"+pick(r, buckets)+"/"+hex(r, 12))
		w.end()
	}},
	{svc: "kms", name: "DescribeKey", ro: true, weight: 1, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("keyId", "alias/aws/s3")
	}},
	{svc: "logs", name: "CreateLogStream", weight: 3, errs: []string{"ResourceAlreadyExistsException"}, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("logGroupName", pick(r, logGroups))
		w.str("logStreamName", "2026/10/0"+strconv.Itoa(1+r.IntN(9))+"/[$LATEST]"+hex(r, 32))
	}},
	{svc: "logs", name: "DescribeLogGroups", ro: true, weight: 2, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("logGroupNamePrefix", "/aws/lambda/")
		w.num("limit", 50)
	}},
	{svc: "sts", name: "GetCallerIdentity", ro: true, weight: 5},
	{svc: "monitoring", name: "DescribeAlarms", ro: true, weight: 2, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.num("maxRecords", 100)
		w.arr("alarmTypes")
		w.elemStr("CompositeAlarm")
		w.elemStr("MetricAlarm")
		w.endArr()
	}},
	{svc: "ssm", name: "GetParameter", ro: true, weight: 3, errs: []string{"ParameterNotFound"}, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("name", "/prod/"+pick(r, functions)+"/db-host")
		w.boolean("withDecryption", false)
	}},
	{svc: "secretsmanager", name: "GetSecretValue", ro: true, weight: 2, errs: []string{"ResourceNotFoundException"}, req: func(w *jw, r *rand.Rand, c *callCtx) {
		w.str("secretId", "arn:aws:secretsmanager:"+c.region+":"+c.acct+":secret:prod/"+pick(r, tables)+"-"+alnum(r, 6))
	}},
}

var catalogCum = func() []int {
	c := make([]int, len(catalog))
	s := 0
	for i, a := range catalog {
		s += a.weight
		c[i] = s
	}
	return c
}()

func pickAPI(r *rand.Rand) *api {
	x := r.IntN(catalogCum[len(catalogCum)-1])
	for i, c := range catalogCum {
		if x < c {
			return &catalog[i]
		}
	}
	return &catalog[len(catalog)-1]
}
