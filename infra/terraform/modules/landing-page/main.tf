# The verification landing page (docs/links.md): a private bucket (public access blocked, TLS
# only) behind CloudFront with origin access control, the page's files and a config.json made
# here, and optionally the SECRET_HASH endpoint as a Lambda function URL.

data "aws_region" "current" {}

locals {
  # The region from the endpoint: aws_region's `name` is deprecated in v6, `region` absent in v5.
  region = split(".", data.aws_region.current.endpoint)[1]
  content_types = {
    html = "text/html; charset=utf-8"
    js   = "text/javascript; charset=utf-8"
    css  = "text/css; charset=utf-8"
    json = "application/json"
  }
  site_files = [for file in fileset(var.site_dir, "**") : file if file != "config.json"]
  config = merge(
    { cognitoEndpoint = coalesce(var.cognito_endpoint, "https://cognito-idp.${local.region}.amazonaws.com/") },
    var.secret_hash == null ? {} : { secretClients = { for id in var.secret_hash.client_ids : id => aws_lambda_function_url.secret_hash[0].function_url } },
    var.app_url == null ? {} : { appUrl = var.app_url },
    var.password_policy == null ? {} : { passwordPolicy = { for key, value in var.password_policy : key => value if value != null } },
  )
}

resource "aws_s3_bucket" "site" {
  bucket_prefix = "${var.name_prefix}-"
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

data "aws_iam_policy_document" "site" {
  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.site.arn, "${aws_s3_bucket.site.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
  # Only this distribution, signing with the origin access control, may read the files.
  statement {
    sid       = "CloudFrontReads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.this.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = data.aws_iam_policy_document.site.json
  # A policy is refused while the block is being set up: one after the other.
  depends_on = [aws_s3_bucket_public_access_block.site]
}

resource "aws_s3_object" "site" {
  for_each     = toset(local.site_files)
  bucket       = aws_s3_bucket.site.id
  key          = each.value
  source       = "${var.site_dir}/${each.value}"
  source_hash  = filemd5("${var.site_dir}/${each.value}")
  content_type = lookup(local.content_types, reverse(split(".", each.value))[0], "application/octet-stream")
}

resource "aws_s3_object" "config" {
  bucket       = aws_s3_bucket.site.id
  key          = "config.json"
  content      = jsonencode(local.config)
  content_type = "application/json"
}

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "${var.name_prefix}-${aws_s3_bucket.site.id}"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# index.html carries its own Content-Security-Policy; these add no referrer, no framing, HSTS.
resource "aws_cloudfront_response_headers_policy" "site" {
  name = "${var.name_prefix}-${aws_s3_bucket.site.id}"
  security_headers_config {
    referrer_policy {
      referrer_policy = "no-referrer"
      override        = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    content_type_options {
      override = true
    }
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = false
      override                   = true
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  comment             = "cognito-relay verification landing page"
  enabled             = true
  http_version        = "http2and3"
  default_root_object = "index.html"

  origin {
    origin_id                = "site"
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  default_cache_behavior {
    target_origin_id           = "site"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = "658327ea-f89d-4fab-a63d-7e88639e58f6" # Managed-CachingOptimized
    response_headers_policy_id = aws_cloudfront_response_headers_policy.site.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

# ------------------------------------------------------------------------------------------------
# The SECRET_HASH endpoint: forwards the page's ConfirmSignUp / ConfirmForgotPassword /
# ResendConfirmationCode / ForgotPassword with the hash added. Those calls are unauthenticated:
# the function needs no IAM permission beyond its logs.

data "aws_secretsmanager_secret_version" "client_secrets" {
  count     = var.secret_hash == null ? 0 : 1
  secret_id = var.secret_hash.client_secrets_secret_arn
}

resource "aws_cloudwatch_log_group" "secret_hash" {
  count             = var.secret_hash == null ? 0 : 1
  name              = "/aws/lambda/${var.name_prefix}-secret-hash"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "secret_hash" {
  count              = var.secret_hash == null ? 0 : 1
  name_prefix        = "${var.name_prefix}-"
  description        = "cognito-relay SECRET_HASH endpoint: writes its own logs, nothing else"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "secret_hash_logs" {
  count = var.secret_hash == null ? 0 : 1
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.secret_hash[0].arn}:*"]
  }
}

resource "aws_iam_role_policy" "secret_hash" {
  count  = var.secret_hash == null ? 0 : 1
  role   = aws_iam_role.secret_hash[0].id
  policy = data.aws_iam_policy_document.secret_hash_logs[0].json
}

resource "aws_lambda_function" "secret_hash" {
  count            = var.secret_hash == null ? 0 : 1
  function_name    = "${var.name_prefix}-secret-hash"
  description      = "cognito-relay landing page, forwards confirm/reset calls with SECRET_HASH"
  runtime          = "nodejs22.x"
  architectures    = ["arm64"]
  handler          = "index.handler"
  filename         = var.secret_hash.zip_path
  source_code_hash = filebase64sha256(var.secret_hash.zip_path)
  memory_size      = 128
  timeout          = 10
  role             = aws_iam_role.secret_hash[0].arn
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.secret_hash[0].name
  }
  environment {
    variables = {
      CLIENT_SECRETS = data.aws_secretsmanager_secret_version.client_secrets[0].secret_string
      ALLOWED_ORIGIN = "https://${aws_cloudfront_distribution.this.domain_name}"
    }
  }
  depends_on = [aws_iam_role_policy.secret_hash]
}

resource "aws_lambda_function_url" "secret_hash" {
  count              = var.secret_hash == null ? 0 : 1
  function_name      = aws_lambda_function.secret_hash[0].function_name
  authorization_type = "NONE"
}

resource "aws_lambda_permission" "secret_hash_url" {
  count                  = var.secret_hash == null ? 0 : 1
  statement_id           = "FunctionUrlAllowPublicAccess"
  function_name          = aws_lambda_function.secret_hash[0].function_name
  action                 = "lambda:InvokeFunctionUrl"
  principal              = "*"
  function_url_auth_type = "NONE"
}

resource "aws_lambda_permission" "secret_hash_invoke" {
  count                    = var.secret_hash == null ? 0 : 1
  statement_id             = "FunctionUrlInvokeFunction"
  function_name            = aws_lambda_function.secret_hash[0].function_name
  action                   = "lambda:InvokeFunction"
  principal                = "*"
  invoked_via_function_url = true
}
